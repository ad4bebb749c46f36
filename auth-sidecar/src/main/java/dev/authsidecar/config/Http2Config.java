package dev.authsidecar.config;

/**
 * HTTP/2 on the proxy listener (cleartext with prior knowledge, "h2c"). The limits are what the sidecar
 * advertises in its SETTINGS frame; together they bound a connection's memory: at most
 * {@code maxConcurrentStreams × initialWindowSize} bytes of request bodies can be in flight towards it.
 *
 * @param enabled whether a connection that opens with the HTTP/2 preface is served as HTTP/2
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS: streams one client may have open at once
 * @param initialWindowSize SETTINGS_INITIAL_WINDOW_SIZE: bytes of one stream's body a client may send ahead
 * @param maxHeaderListSize SETTINGS_MAX_HEADER_LIST_SIZE: the decoded header block, as server.maxHeaderBytes
 * @param maxFrameSize SETTINGS_MAX_FRAME_SIZE: the largest frame payload the sidecar accepts
 */
public record Http2Config(
        boolean enabled, int maxConcurrentStreams, int initialWindowSize, int maxHeaderListSize, int maxFrameSize) {}
