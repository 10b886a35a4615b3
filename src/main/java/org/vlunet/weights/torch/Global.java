package org.vlunet.weights.torch;

/** A reference to a Python class or function ({@code module.name}) that a pickle names. */
public record Global(String module, String name) {

    public boolean is(String module, String name) {
        return this.module.equals(module) && this.name.equals(name);
    }

    @Override
    public String toString() {
        return module + "." + name;
    }
}
