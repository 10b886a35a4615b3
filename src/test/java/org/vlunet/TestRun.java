package org.vlunet;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.TestExecutionResult;

import java.io.PrintWriter;
import java.util.Arrays;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * Runs test classes without Maven (a machine with only a Java runtime: scripts/gpu-check.sh), one line per test
 * and JUnit's summary; exit status 1 if any failed or none ran.
 * Usage: java -cp TEST_CLASSPATH org.vlunet.TestRun org.vlunet.model.VluNetParityTest ...
 */
public final class TestRun {
    private TestRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("TestRun: no test class given (expected fully qualified class names)");
            System.exit(2);
        }
        LauncherDiscoveryRequest req = request()
                .selectors(Arrays.stream(args).map(c -> selectClass(load(c))).toList()).build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                if (!id.isTest()) return;
                String why = r.getThrowable().map(t -> ": " + t).orElse("");
                System.out.println("TestRun " + r.getStatus() + " " + id.getLegacyReportingName()
                        + " (" + id.getUniqueId().replaceAll(".*\\[class:([^\\]]*)\\].*", "$1") + ")" + why);
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(req, summary, lines);
        TestExecutionSummary s = summary.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printFailuresTo(out, 30);
        s.printTo(out);
        boolean ok = s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0;
        System.out.println("TestRun " + (ok ? "PASSED" : "FAILED") + ": " + s.getTestsSucceededCount() + " passed, "
                + s.getTotalFailureCount() + " failed, " + s.getTestsSkippedCount() + " skipped");
        System.exit(ok ? 0 : 1);
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            System.err.println("TestRun: test class " + name + " not found on the class path");
            System.exit(2);
            return null;
        }
    }
}
