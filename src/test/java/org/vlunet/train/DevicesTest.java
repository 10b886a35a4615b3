package org.vlunet.train;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicesTest {
    @Test
    void parses() {
        assertEquals(List.of(Device.cpu()), Devices.parse("cpu", 0));
        assertEquals(List.of(Device.gpu(0), Device.gpu(1)), Devices.parse("gpu", 2));
        assertEquals(List.of(Device.gpu(1)), Devices.parse("gpu:1", 2));
        assertEquals(List.of(Device.gpu(0), Device.gpu(1)), Devices.parse("gpu:0, gpu:1", 2));
        assertEquals(3, Devices.parse("cpu,cpu,cpu", 0).size(), "CPU replicas (for checks)");
        assertEquals(List.of(Device.cpu()), Devices.parse("auto", 0), "auto without a GPU");
        assertEquals(List.of(Device.gpu(0), Device.gpu(1)), Devices.parse("auto", 2), "auto with GPUs");
    }

    @Test
    void singleDeviceCommandsTakeTheFirst() {
        assertEquals(Device.cpu(), Devices.one(Devices.DEFAULT, 0), "the default without a GPU");
        assertEquals(Device.gpu(0), Devices.one(Devices.DEFAULT, 2), "the default with GPUs");
        assertEquals(Device.gpu(0), Devices.one("gpu", 2));
        assertEquals(Device.gpu(1), Devices.one("gpu:1", 2));
        assertTrue(assertThrows(TrainException.class, () -> Devices.one("gpu:0,gpu:1", 2)).getMessage().contains("runs on one device"));
        assertTrue(assertThrows(TrainException.class, () -> Devices.one("gpu:1", 1)).getMessage().contains("gpu:1 does not exist"));
    }

    @Test
    void refusesWithOneLine() {
        assertTrue(assertThrows(TrainException.class, () -> Devices.parse("gpu", 0)).getMessage().contains("no GPU"));
        assertTrue(assertThrows(TrainException.class, () -> Devices.parse("gpu:2", 2)).getMessage().contains("gpu:2 does not exist"));
        assertTrue(assertThrows(TrainException.class, () -> Devices.parse("tpu", 2)).getMessage().contains("not a device"));
        assertTrue(assertThrows(TrainException.class, () -> Devices.parse("gpu:0,gpu:0", 2)).getMessage().contains("twice"));
        assertTrue(assertThrows(TrainException.class, () -> Devices.parse("cpu,gpu:0", 2)).getMessage().contains("mixes"));
    }
}
