package dev.authsidecar.proxy;

import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * What the client sent while its connection was busy (a pipelined request, or the rest of a request while its
 * credential is checked), held in order until the connection can take it. A non-empty backlog stops further reads,
 * so it holds at most one read's worth. Allocated on first use: most connections never need it.
 */
final class Backlog {
    private ArrayDeque<Object> held;

    void hold(Object msg) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        held.add(msg);
    }

    boolean isEmpty() {
        return held == null || held.isEmpty();
    }

    Object next() {
        return held.poll();
    }

    /** The connection will take none of it: closed, or leaving HTTP. */
    void releaseAll() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held.clear();
        }
    }
}
