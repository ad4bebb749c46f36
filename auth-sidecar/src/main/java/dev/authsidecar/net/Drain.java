package dev.authsidecar.net;

/** User event sent to every client connection at shutdown: close when idle, else after the response. */
public enum Drain {
    INSTANCE
}
