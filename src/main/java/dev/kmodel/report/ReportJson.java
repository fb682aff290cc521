package dev.kmodel.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;

/** Writes and reads reports as JSON with the contract's snake_case names. */
public final class ReportJson {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {}

    public static void write(Report r, File f) throws IOException {
        MAPPER.writeValue(f, r);
    }

    public static String toJson(Report r) throws IOException {
        return MAPPER.writeValueAsString(r);
    }
}
