package io.sluice.runner;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/** Stand-ins for a runner's parts (source, sink, ledger) that pass calls on to the real ones, watched or changed. */
final class Proxies {
    private Proxies() {}

    /** A proxy of {@code type} whose calls go to {@code handler}. */
    static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** Calls the real object's method for a proxy, throwing what it threw. */
    static Object call(Object real, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
