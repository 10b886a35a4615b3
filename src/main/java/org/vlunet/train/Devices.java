package org.vlunet.train;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The --device option of every command: {@code auto} (every GPU, else the CPU), {@code cpu}, {@code gpu} (every GPU),
 * {@code gpu:N}, or a list {@code gpu:0,gpu:1}. Training runs on all it names; the other commands on {@link #one}.
 */
public final class Devices {
    /** Every command's default: the GPUs the engine sees, else the CPU (a single-device command takes the first). */
    public static final String DEFAULT = "auto";

    private Devices() {}

    /** A single-device command's --device: cpu, gpu (the first GPU), gpu:N or auto (the first GPU, else the CPU). */
    public static Device one(String spec) {
        return one(spec, Engine.getInstance().getGpuCount());
    }

    /** As {@link #one(String)} with the number of GPUs given. */
    public static Device one(String spec, int gpus) {
        List<Device> all = parse(spec, gpus);
        if (spec.contains(",")) throw new TrainException("--device " + spec + ": this command runs on one device (cpu, gpu or gpu:N)");
        return all.get(0);
    }

    public static List<Device> parse(String spec) {
        return parse(spec, Engine.getInstance().getGpuCount());
    }

    /** As {@link #parse(String)} with the number of GPUs given (for checks without a GPU). */
    public static List<Device> parse(String spec, int gpus) {
        if (spec == null || spec.isBlank()) throw new TrainException("--device is empty (expected cpu, gpu, gpu:N or gpu:0,gpu:1,...)");
        List<Device> out = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String s = raw.trim().toLowerCase(java.util.Locale.ROOT);
            if (s.equals("auto")) {
                // every GPU the engine sees, else the CPU
                if (gpus == 0) out.add(Device.cpu());
                for (int i = 0; i < gpus; i++) out.add(Device.gpu(i));
            } else if (s.equals("cpu")) {
                out.add(Device.cpu());
            } else if (s.equals("gpu") || s.equals("cuda")) {
                if (gpus == 0) throw new TrainException("--device " + spec + ": no GPU is visible to the PyTorch engine (use --device cpu)");
                for (int i = 0; i < gpus; i++) out.add(Device.gpu(i));
            } else if (s.matches("(gpu|cuda):\\d+")) {
                int i = Integer.parseInt(s.substring(s.indexOf(':') + 1));
                if (i >= gpus) {
                    throw new TrainException("--device " + spec + ": " + s + " does not exist (" + gpus + " GPU"
                            + (gpus == 1 ? "" : "s") + " visible" + (gpus > 0 ? ": gpu:0.." + "gpu:" + (gpus - 1) : "") + ")");
                }
                out.add(Device.gpu(i));
            } else {
                throw new TrainException("--device " + spec + ": '" + raw.trim() + "' is not a device (expected cpu, gpu, gpu:N or a comma-separated list)");
            }
        }
        if (out.stream().distinct().count() != out.size()) {
            // several replicas on the CPU are allowed (for checks); a GPU listed twice is a mistake
            List<Device> gpusListed = out.stream().filter(Device::isGpu).toList();
            if (gpusListed.stream().distinct().count() != gpusListed.size()) throw new TrainException("--device " + spec + " lists a GPU twice");
        }
        if (out.stream().anyMatch(Device::isGpu) && out.stream().anyMatch(d -> !d.isGpu())) {
            throw new TrainException("--device " + spec + " mixes the CPU with GPUs (the CPU replica would hold the others back)");
        }
        return out;
    }
}
