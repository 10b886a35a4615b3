package org.vlunet.cli;

import org.vlunet.engine.EngineDoctor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Checks the engine on this machine and says what it does about wrong kernels. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check the CPU engine: versions, processor, wrong convolution kernels and the route taken around them.")
public final class DoctorCommand implements Callable<Integer> {

    @Option(names = "--config", description = "Also check a whole forward of this configuration (preset name or JSON file).")
    String config;

    @Override
    public Integer call() {
        return EngineDoctor.run(config, System.out) ? 0 : 1;
    }
}
