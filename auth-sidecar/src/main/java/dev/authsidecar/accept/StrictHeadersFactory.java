package dev.authsidecar.accept;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * Netty's validating headers, plus one rule its decoder only applies to HTTP/1.1: a second
 * {@code Content-Length} field is refused. For HTTP/1.0 Netty would quietly keep the first value, while a
 * proxy in front of the sidecar might have used the last; framing that two hops read differently is how
 * requests get smuggled. The exception makes the decoder mark the request invalid, so the guard answers 400.
 */
final class StrictHeadersFactory implements HttpHeadersFactory {
    static final StrictHeadersFactory INSTANCE = new StrictHeadersFactory();
    private static final DefaultHttpHeadersFactory BASE = DefaultHttpHeadersFactory.headersFactory();

    private StrictHeadersFactory() {}

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
            super(BASE.getNameValidator(), BASE.getValueValidator());
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
