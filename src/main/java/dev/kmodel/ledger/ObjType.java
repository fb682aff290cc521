package dev.kmodel.ledger;

/** The kernel object types the ledger tracks (contract §3), with their kernel names. */
public enum ObjType {
    TASK_STRUCT("task_struct"),
    KERNEL_STACK("kernel_stack"),
    THREAD_INFO("thread_info"),
    MM_STRUCT("mm_struct"),
    VMA("vma"),
    PAGE_TABLE("page_table"),
    PAGE("page"),
    FILES_STRUCT("files_struct"),
    FILE("file"),
    FS_STRUCT("fs_struct"),
    SIGHAND_STRUCT("sighand_struct"),
    SIGNAL_STRUCT("signal_struct"),
    NSPROXY("nsproxy"),
    PID("pid"),
    CRED("cred"),
    SEM_UNDO_LIST("sem_undo_list"),
    SHM("shm");

    public final String kernelName;

    ObjType(String kernelName) {
        this.kernelName = kernelName;
    }
}
