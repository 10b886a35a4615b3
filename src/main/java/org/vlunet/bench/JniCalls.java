package org.vlunet.bench;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts every call into DJL's PyTorch native library (each {@code native} method of
 * {@code ai.djl.pytorch.jni.PyTorchLibrary}: ops, tensor deletes, shape and dtype queries, grad-mode switches). On a
 * GPU each such call costs host time whatever it does, so their number per training step or per forward is what
 * launch overhead scales with. A Java agent (the jar's {@code Premain-Class}):
 *
 * <pre>java -javaagent:target/vlunet.jar -cp target/vlunet.jar org.vlunet.bench.TrainBench --count_jni ...</pre>
 *
 * Each native method is renamed with a prefix (the JVM's native-method-prefix mechanism binds it to the same
 * library symbol) and a Java method of the original name counts, then calls it. Without the agent
 * {@link #active()} is false and nothing is counted. At exit the process total is printed to stderr when
 * {@code -Dvlunet.jni_calls.report=true}.
 */
public final class JniCalls implements ClassFileTransformer {
    private static final String TARGET = "ai/djl/pytorch/jni/PyTorchLibrary";
    private static final String PREFIX = "vlunet$counted$";
    private static final String SELF = Type.getInternalName(JniCalls.class);
    private static final int MAX_METHODS = 4096;

    private static final AtomicLongArray COUNTS = new AtomicLongArray(MAX_METHODS);
    private static final List<String> NAMES = new ArrayList<>();
    private static volatile boolean active;
    /** Method indices whose call sites are recorded ({@code -Dvlunet.jni_calls.where=torchSizes,...}). */
    private static final java.util.Set<String> WHERE = java.util.Set.of(System.getProperty("vlunet.jni_calls.where", "").split(","));
    private static final boolean[] TRACED = new boolean[MAX_METHODS];
    private static final Map<String, Long> SITES = new java.util.concurrent.ConcurrentHashMap<>();

    private JniCalls() {}

    public static void premain(String args, Instrumentation inst) {
        if (!inst.isNativeMethodPrefixSupported()) {
            System.err.println("vlunet JniCalls: this JVM cannot prefix native methods; the jar's manifest needs"
                    + " Can-Set-Native-Method-Prefix: true");
            return;
        }
        JniCalls t = new JniCalls();
        inst.addTransformer(t);
        inst.setNativeMethodPrefix(t, PREFIX);
        if (Boolean.getBoolean("vlunet.jni_calls.report") || WHERE.size() > 1 || !WHERE.contains("")) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.err.println("JNI calls into PyTorchLibrary, whole process: " + total());
                List<Map.Entry<String, Long>> sites = new ArrayList<>(SITES.entrySet());
                sites.sort(Map.Entry.<String, Long>comparingByValue().reversed());
                for (int i = 0; i < Math.min(60, sites.size()); i++) {
                    System.err.printf("%8d  %s%n", sites.get(i).getValue(), sites.get(i).getKey());
                }
            }));
        }
    }

    /** Whether the agent rewrote the library class (it does so when the class loads). */
    public static boolean active() {
        return active;
    }

    /** Calls counted so far, all methods together. */
    public static long total() {
        long n = 0;
        synchronized (NAMES) {
            for (int i = 0; i < NAMES.size(); i++) n += COUNTS.get(i);
        }
        return n;
    }

    /** Calls counted so far, by native method name (overloads summed), in no particular order. */
    public static Map<String, Long> byMethod() {
        Map<String, Long> out = new LinkedHashMap<>();
        synchronized (NAMES) {
            for (int i = 0; i < NAMES.size(); i++) {
                long c = COUNTS.get(i);
                if (c > 0) out.merge(NAMES.get(i), c, Long::sum);
            }
        }
        return out;
    }

    /**
     * The difference {@code after - before} of two {@link #byMethod()} snapshots divided by {@code per} (calls per
     * step or iteration), top {@code n} as "name xN".
     */
    public static String top(Map<String, Long> before, Map<String, Long> after, int n, int per) {
        List<Map.Entry<String, Long>> d = new ArrayList<>();
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long v = (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / per;
            if (v > 0) d.add(Map.entry(e.getKey(), v));
        }
        d.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, d.size()); i++) {
            if (i > 0) sb.append(", ");
            sb.append(d.get(i).getKey()).append(" x").append(d.get(i).getValue());
        }
        return sb.toString();
    }

    /** Called by the rewritten methods. */
    public static void hit(int method) {
        COUNTS.incrementAndGet(method);
        if (TRACED[method]) SITES.merge(site(NAMES.get(method)), 1L, Long::sum);
    }

    /** The method's name, the first frame of this project's code that led to it and the library frame below that. */
    private static String site(String method) {
        return StackWalker.getInstance().walk(frames -> {
            String below = "";
            for (StackWalker.StackFrame f : (Iterable<StackWalker.StackFrame>) frames::iterator) {
                String c = f.getClassName();
                if (c.startsWith("org.vlunet.") && !c.equals(JniCalls.class.getName())) {
                    return method + " <- " + below + " <- " + c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethodName() + ":" + f.getLineNumber();
                }
                if (!c.startsWith("ai.djl.pytorch.jni.")) below = c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethodName();
                else if (below.isEmpty()) below = "";
            }
            return method + " <- " + below + " <- ?";
        });
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) {
        if (!TARGET.equals(className)) return null;
        try {
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
            reader.accept(new Rewriter(writer), 0);
            active = true;
            return writer.toByteArray();
        } catch (RuntimeException e) {
            System.err.println("vlunet JniCalls: could not rewrite " + className + ": " + e);
            return null;
        }
    }

    private record Native(int access, String name, String desc, String signature, String[] exceptions) {}

    /** Renames each native method and adds a counting method of the original name that calls it. */
    private static final class Rewriter extends ClassVisitor {
        private final List<Native> natives = new ArrayList<>();

        Rewriter(ClassVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
            if ((access & Opcodes.ACC_NATIVE) == 0) return super.visitMethod(access, name, desc, signature, exceptions);
            natives.add(new Native(access, name, desc, signature, exceptions));
            return super.visitMethod(access, PREFIX + name, desc, signature, exceptions);
        }

        @Override
        public void visitEnd() {
            for (Native n : natives) {
                int index;
                synchronized (NAMES) {
                    index = NAMES.size();
                    if (index >= MAX_METHODS) throw new IllegalStateException("too many native methods");
                    NAMES.add(n.name());
                    TRACED[index] = WHERE.contains(n.name());
                }
                boolean isStatic = (n.access() & Opcodes.ACC_STATIC) != 0;
                MethodVisitor mv = super.visitMethod(n.access() & ~Opcodes.ACC_NATIVE, n.name(), n.desc(),
                        n.signature(), n.exceptions());
                mv.visitCode();
                mv.visitLdcInsn(index);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, SELF, "hit", "(I)V", false);
                int slot = 0;
                if (!isStatic) mv.visitVarInsn(Opcodes.ALOAD, slot++);
                for (Type arg : Type.getArgumentTypes(n.desc())) {
                    mv.visitVarInsn(arg.getOpcode(Opcodes.ILOAD), slot);
                    slot += arg.getSize();
                }
                int call = isStatic ? Opcodes.INVOKESTATIC
                        : (n.access() & Opcodes.ACC_PRIVATE) != 0 ? Opcodes.INVOKESPECIAL : Opcodes.INVOKEVIRTUAL;
                mv.visitMethodInsn(call, TARGET, PREFIX + n.name(), n.desc(), false);
                mv.visitInsn(Type.getReturnType(n.desc()).getOpcode(Opcodes.IRETURN));
                mv.visitMaxs(0, 0);
                mv.visitEnd();
            }
            super.visitEnd();
        }
    }
}
