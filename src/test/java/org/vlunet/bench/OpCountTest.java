package org.vlunet.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.vlunet.train.Gradients;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpCountTest {

    @Test
    void countsOnlyTopLevelEventsPerThreadAndAutogradNodesApart() throws Exception {
        String trace = """
                [{"ph":"X","name":"aten::add","ts":0,"dur":10,"pid":1,"tid":1},
                 {"ph":"X","name":"aten::to","ts":2,"dur":3,"pid":1,"tid":1},
                 {"ph":"X","name":"aten::copy_","ts":3,"dur":1,"pid":1,"tid":1},
                 {"ph":"X","name":"aten::mul","ts":10,"dur":5,"pid":1,"tid":1},
                 {"ph":"X","name":"aten::mul","ts":4,"dur":2,"pid":1,"tid":2},
                 {"ph":"X","name":"autograd::engine::evaluate_function: MulBackward0","ts":20,"dur":9,"pid":1,"tid":1},
                 {"ph":"X","name":"aten::mul","ts":21,"dur":2,"pid":1,"tid":1},
                 {"ph":"i","name":"marker","ts":40,"pid":1,"tid":1}]
                """;
        OpCount.Counts c = OpCount.count(new ObjectMapper().readTree(trace));
        assertEquals(3, c.issued(), "add and mul on thread 1, mul on thread 2; nested to/copy_ not counted");
        assertEquals(1, c.autogradNodes());
        assertEquals(2, c.byName().get("aten::mul"));
        assertEquals(1, c.byName().get("aten::add"));
    }

    @Test
    void countsWhatTheEngineIsAskedFor() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(0, 1, new Shape(2, 3));
            OpCount.Counts forward = OpCount.during(() -> {
                x.mul(x);
                x.sum();
                x.neg();
            });
            assertEquals(3, forward.issued(), forward.top(10));
            assertEquals(0, forward.autogradNodes());

            boolean before = Gradients.recording();
            Gradients.record(true);
            try {
                NDArray w = m.randomUniform(0, 1, new Shape(2, 3));
                w.setRequiresGradient(true);
                NDArray loss = w.mul(w).sum();
                OpCount.Counts backward = OpCount.during(() -> Gradients.backward(loss));
                // sum's and mul's backward, and the gradient accumulated into w
                assertEquals(3, backward.autogradNodes(), backward.describe());
            } finally {
                Gradients.record(before);
            }
        }
    }
}
