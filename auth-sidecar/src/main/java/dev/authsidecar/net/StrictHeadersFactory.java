package dev.authsidecar.net;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * Netty's validating headers, plus one rule its decoder only applies to HTTP/1.1: a second
 * {@code Content-Length} field is refused. For HTTP/1.0 Netty would quietly keep the first value, while a
 * proxy in front of the sidecar might have used the last; framing that two hops read differently is how
 * requests get smuggled. The exception makes the decoder mark the message invalid: the guard answers a request
 * 400, and a response from the application is answered 502, as any response that cannot be read.
 *
 * <p>Both HTTP/1.1 decoders use it, the client side's and the application side's.
 *
 * <p>Values are checked by Netty's rule (RFC 9110 field-content: no control character but tab, no DEL, no leading
 * whitespace), with a faster path for the decoder's {@code String} values: see {@link #VALUES}.
 */
public final class StrictHeadersFactory implements HttpHeadersFactory {
    public static final StrictHeadersFactory INSTANCE = new StrictHeadersFactory();
    private static final DefaultHttpHeadersFactory BASE = DefaultHttpHeadersFactory.headersFactory();

    /**
     * Netty's value check, scanning a {@code String} through its own type rather than through {@code CharSequence}:
     * the decoder makes every header value a {@code String}, and a JWT's 650-character {@code Authorization} value
     * is checked on every request. Through the interface the scan measured 2-3 times slower (the difference was
     * about half of what a JWT cost over an API key per request). A value the scan finds a problem in goes to
     * Netty's check, so what is refused, and the message, are exactly Netty's.
     */
    static final DefaultHeaders.ValueValidator<CharSequence> VALUES = new DefaultHeaders.ValueValidator<>() {
        private final DefaultHeaders.ValueValidator<CharSequence> netty = BASE.getValueValidator();

        @Override
        public void validate(CharSequence value) {
            if (!(value instanceof String s) || !isFieldContent(s)) {
                netty.validate(value);
            }
        }
    };

    private StrictHeadersFactory() {}

    /** The same rule as Netty's {@code HttpHeaderValidationUtil.validateValidHeaderValue}, on a String. */
    static boolean isFieldContent(String s) {
        int n = s.length();
        if (n == 0) {
            return true;
        }
        char first = s.charAt(0);
        if (first < 0x21 || first == 0x7F) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return false;
            }
        }
        return true;
    }

    @Override
    public HttpHeaders newHeaders() {
        return new SingleContentLengthHeaders();
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
        return BASE.newEmptyHeaders();
    }

    private static final class SingleContentLengthHeaders extends DefaultHttpHeaders {
        SingleContentLengthHeaders() {
            super(BASE.getNameValidator(), VALUES);
        }

        @Override
        public HttpHeaders add(String name, Object value) {
            refuseSecondLength(name);
            return super.add(name, value);
        }

        @Override
        public HttpHeaders add(CharSequence name, Object value) {
            refuseSecondLength(name);
            return super.add(name, value);
        }

        private void refuseSecondLength(CharSequence name) {
            if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                    && contains(HttpHeaderNames.CONTENT_LENGTH)) {
                throw new IllegalArgumentException("more than one Content-Length header");
            }
        }
    }
}
