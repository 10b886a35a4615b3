package org.vlunet.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The options declared once for several commands: each command keeps its own wording and the one device default. */
class SharedOptionsTest {
    private static final CommandLine MAIN = Main.commandLine();

    private static OptionSpec option(String command, String name) {
        OptionSpec o = MAIN.getSubcommands().get(command).getCommandSpec().findOption(name);
        assertNotNull(o, command + " " + name);
        return o;
    }

    private static String help(String command, String name) {
        return String.join(" ", option(command, name).description());
    }

    @Test
    void everyCommandKeepsItsWording() {
        Map<String, String> expected = Map.of(
                "restore --ckpt", "checkpoint",
                "test --ckpt", "checkpoint: the authors' .ckpt, our .safetensors, or any format convert reads",
                "restore --config", "configuration (file or preset); default: stored in the checkpoint or inferred from its shapes",
                "inspect --config", "check the file(s) against this configuration",
                "train --config", "network configuration (file or preset vlunet-tiny, vlunet-nhr, vlunet-nhrbl; default: the paper's for --de_dim)",
                "test --device", "auto, cpu, gpu or gpu:N (default auto: the first GPU the engine sees, else cpu)",
                "train --device", "cpu, gpu (all GPUs), gpu:N or gpu:0,gpu:1,... (default: all GPUs, else cpu)");
        expected.forEach((k, v) -> assertEquals(v, help(k.split(" ")[0], k.split(" ")[1]), k));
        assertTrue(help("convert", "-c").startsWith("configuration (file or preset: vlunet-tiny"), help("convert", "-c"));
    }

    @Test
    void oneDeviceDefault() {
        for (String command : new String[] {"restore", "test", "train", "finetune-clip"}) {
            assertEquals(org.vlunet.train.Devices.DEFAULT, option(command, "--device").defaultValue(), command);
        }
    }
}
