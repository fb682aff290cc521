package dev.kmodel.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import dev.kmodel.run.Machine;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kmodel} launcher: it stays in the caller's directory (the scenario, --report and
 * --journal are the caller's paths) and finds conf/ in the installation (-Dkmodel.home).
 */
class LauncherTest {
    @TempDir
    Path tmp;

    @Test
    void configIsReadFromTheInstallationOrElseTheWorkingDirectory() throws IOException {
        String before = System.getProperty("kmodel.home");
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/application.conf"), "kmodel.timeslice-ticks = 9\n");
        try {
            System.setProperty("kmodel.home", home.toString());
            Config c = Machine.config();
            assertEquals(9, c.getInt("kmodel.timeslice-ticks"));
            assertEquals(
                    ConfigFactory.load().getValue("kmodel.bounds.events").unwrapped(),
                    c.getValue("kmodel.bounds.events").unwrapped(),
                    "what it does not set comes from the built-in defaults");
            System.clearProperty("kmodel.home");
            Config here = Machine.config();
            Config file = ConfigFactory.parseFile(new File("conf/application.conf"));
            for (Map.Entry<String, ConfigValue> e : file.entrySet()) {
                assertEquals(e.getValue().unwrapped(), here.getValue(e.getKey()).unwrapped(), e.getKey());
            }
        } finally {
            if (before == null) System.clearProperty("kmodel.home");
            else System.setProperty("kmodel.home", before);
        }
    }

    /**
     * An installation made in a temporary directory (the launcher, conf/, the compiled classes as
     * target/kmodel-0.1.0.jar and the dependencies in target/lib, so it does not build), run from
     * another directory with relative paths.
     */
    @Test
    void theLauncherKeepsTheCallersDirectory() throws Exception {
        Path install = tmp.resolve("install");
        Path lib = Files.createDirectories(install.resolve("target/lib"));
        Files.createDirectories(install.resolve("conf"));
        Files.copy(Path.of("kmodel"), install.resolve("kmodel"));
        Files.copy(Path.of("conf/logback.xml"), install.resolve("conf/logback.xml"));
        Files.writeString(
                install.resolve("conf/application.conf"),
                Files.readString(Path.of("conf/application.conf")) + "\nkmodel.timeslice-ticks = 7\n");
        jar(
                Path.of(Main.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI()),
                install.resolve("target/kmodel-0.1.0.jar"));
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classpath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(lib.resolve(p.getFileName()))) {
                Files.createSymbolicLink(lib.resolve(p.getFileName()), p.toAbsolutePath());
            }
        }
        // The caller's directory: a scenario named without a directory, which includes a file beside it.
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.createDirectories(work.resolve("out"));
        Files.writeString(work.resolve("progs.conf"), "programs { main = [ { op = exit, code = 5 } ] }\n");
        Files.writeString(work.resolve("main.conf"), "name = launched\ninclude \"progs.conf\"\nboot = [ main ]\n");

        Path output = tmp.resolve("output.txt");
        Process p = new ProcessBuilder(List.of(
                        "bash",
                        install.resolve("kmodel").toString(),
                        "run",
                        "main.conf",
                        "--report",
                        "out/r.json",
                        "--journal",
                        "out/j.kmj"))
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher finished");
        String said = Files.readString(output);
        assertEquals(0, p.exitValue(), said);
        assertFalse(said.contains("building"), "an installation with its jar does not build: " + said);
        assertTrue(said.contains("exit 5"), said);
        assertTrue(Files.isRegularFile(work.resolve("out/r.json")), "the report is where the caller said");
        String header = Files.readAllLines(work.resolve("out/j.kmj")).get(0);
        assertTrue(header.contains("\"kmodel.timeslice-ticks\":7"), "the installation's conf/ was read: " + header);
        try (Stream<Path> left = Files.list(install)) {
            assertEquals(
                    List.of("conf", "kmodel", "target"),
                    left.map(f -> f.getFileName().toString()).sorted().toList(),
                    "nothing written into the installation");
        }
    }

    /** A jar of the compiled classes (a directory), or a copy of them if they are one already. */
    private static void jar(Path classes, Path jar) throws IOException {
        if (Files.isRegularFile(classes)) {
            Files.copy(classes, jar);
            return;
        }
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream j = new JarOutputStream(out);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = classes.relativize(f).toString().replace(File.separatorChar, '/');
                j.putNextEntry(new JarEntry(name));
                Files.copy(f, j);
                j.closeEntry();
            }
        }
    }
}
