package org.vlunet.config;

import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;

import static org.junit.jupiter.api.Assertions.*;

class VluNetConfigTest {
    @Test
    void presetsAndTheAuthorsFixtureConfigParse() {
        assertEquals(ModelConfig.paper(7), VluNetConfig.load("vlunet-nhrbl").model());
        assertEquals(ModelConfig.paper(5), VluNetConfig.load("vlunet-nhr").model());
        assertEquals(ClipConfig.vitB32(), VluNetConfig.load("vlunet-nhrbl").clip());
        VluNetConfig e2e = VluNetConfig.load(Fixtures.path("e2e_tiny/config.json").toString());
        assertEquals(96, e2e.model().promptSize());
        assertEquals(512, e2e.model().degradationDim());
        assertEquals(7, e2e.degradations().size());
        assertEquals(e2e, VluNetConfig.fromJson(e2e.toJson()));
    }

    @Test
    void invalidValuesAreRejectedWithTheKey() {
        String bad = "{\"model\": {\"dim\": 12, \"numBlocks\": [1,1,1,1], \"numRefinementBlocks\": 1, \"heads\": [1,5,4,8],"
                + " \"ffnExpansionFactor\": 2.66, \"deDim\": 7}}";
        ConfigException e = assertThrows(ConfigException.class, () -> VluNetConfig.fromJson(bad));
        assertTrue(e.getMessage().contains("model.heads[1] = 5 must divide the level width 24"), e.getMessage());
        String smallDim = bad.replace("\"dim\": 12", "\"dim\": 8").replace("[1,5,4,8]", "[1,2,4,8]");
        assertTrue(assertThrows(ConfigException.class, () -> VluNetConfig.fromJson(smallDim)).getMessage().contains("prompt width"));
        String negative = bad.replace("[1,5,4,8]", "[1,2,4,8]").replace("\"deDim\": 7", "\"deDim\": 0");
        assertTrue(assertThrows(ConfigException.class, () -> VluNetConfig.fromJson(negative)).getMessage().contains("model.deDim"));
        assertTrue(assertThrows(ConfigException.class, () -> VluNetConfig.load("no-such-preset")).getMessage().contains("no such configuration"));
    }

    @Test
    void fractionsWhereWholeNumbersBelongAreRefused() {
        String good = "{\"model\": {\"dim\": 12, \"numBlocks\": [1,1,1,1], \"numRefinementBlocks\": 1, \"heads\": [1,2,4,4],"
                + " \"ffnExpansionFactor\": 2.66, \"deDim\": 5}}";
        assertEquals(12, VluNetConfig.fromJson(good).model().dim());
        String m = assertThrows(ConfigException.class, () -> VluNetConfig.fromJson(good.replace("\"dim\": 12", "\"dim\": 12.5"))).getMessage();
        assertTrue(m.startsWith("configuration: model.dim: expected a whole number"), m);
        assertFalse(m.contains("\n"), m);
        m = assertThrows(ConfigException.class, () -> VluNetConfig.fromJson(good.replace("[1,2,4,4]", "[1,2,4.5,4]"))).getMessage();
        assertTrue(m.contains("model.heads[2]: expected"), m);
    }
}
