package org.vlunet.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The machine-readable log: one JSON object a line, appended and flushed as it happens, so a run that dies
 * keeps its log. {@code {"event":"step","epoch":…,"step":…,"loss":…,"lr":…,"time_s":…}} for every step,
 * {@code {"event":"val","epoch":…,"step":…,"set":…,"psnr":…,"ssim":…,"images":…,"failed":…}} for every validation set,
 * and train's {@code start} (or {@code resume}), {@code checkpoint} and closing {@code done}/{@code max_steps}/
 * {@code stopped} events. finetune-clip writes the same events, and an {@code epoch} event (train and held-out loss
 * and accuracy) after every epoch ({@link AdapterTraining}).
 * After a resume, steps past the checkpoint that a killed run had logged appear again; the later line for a step is
 * the one that counts.
 */
public final class TrainLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;
    private final Path path;

    /** Appends to {@code path} (created if absent). */
    public TrainLog(Path path) {
        this(path, true);
    }

    /** {@code append} false: the log starts empty (a fresh run replacing an earlier one's log). */
    public TrainLog(Path path, boolean append) {
        this.path = path;
        try {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new TrainException(path + ": cannot open the training log (" + e.getMessage() + ")", e);
        }
    }

    public Path path() {
        return path;
    }

    public ObjectNode event(String kind) {
        ObjectNode n = JSON.createObjectNode();
        n.put("event", kind);
        return n;
    }

    public void step(int epoch, long step, double loss, double lr, double seconds) {
        ObjectNode n = event("step");
        n.put("epoch", epoch);
        n.put("step", step);
        n.put("loss", loss);
        n.put("lr", lr);
        n.put("time_s", Math.round(seconds * 1e3) / 1e3);
        write(n);
    }

    /** A mean over no image is null: JSON has no NaN. */
    public void validation(int epoch, long step, String set, double psnr, double ssim, int images, int failed) {
        ObjectNode n = event("val");
        n.put("epoch", epoch);
        n.put("step", step);
        n.put("set", set);
        if (images > 0) {
            n.put("psnr", psnr);
            n.put("ssim", ssim);
        } else {
            n.putNull("psnr");
            n.putNull("ssim");
        }
        n.put("images", images);
        n.put("failed", failed);
        write(n);
    }

    public synchronized void write(ObjectNode n) {
        try {
            out.write(JSON.writeValueAsString(n));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new TrainException(path + ": cannot write the training log (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // the log was flushed after every line
        }
    }
}
