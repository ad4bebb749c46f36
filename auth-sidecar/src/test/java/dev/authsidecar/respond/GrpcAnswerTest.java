package dev.authsidecar.respond;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GrpcAnswerTest {
    @ParameterizedTest
    @CsvSource({
        "application/grpc, true",
        "application/grpc+proto, true",
        "Application/GRPC+json, true",
        "application/grpc;charset=utf-8, true",
        "application/grpc-web, false",
        "application/grpc-web+proto, false",
        "application/grpcx, false",
        "application/json, false",
    })
    void recognizesGrpcContentTypes(String contentType, boolean grpc) {
        assertThat(ProblemResponses.isGrpc(contentType)).isEqualTo(grpc);
    }

    @Test
    void noContentTypeIsNotGrpc() {
        assertThat(ProblemResponses.isGrpc(null)).isFalse();
    }

    @Test
    void grpcMessageIsPercentEncodedAsGrpcSpecifies() {
        assertThat(ProblemResponses.percentEncode("a b%c\r\né")).isEqualTo("a b%25c%0D%0A%C3%A9");
    }

    @Test
    void everyFailureHasTheStandardGrpcStatusForItsHttpStatus() {
        for (Failure f : Failure.values()) {
            int expected = switch (f.status().code()) {
                case 400 -> f == Failure.CREDENTIAL_MALFORMED ? 16 : 13;
                case 401 -> 16;
                case 403 -> 7;
                case 502, 503 -> 14;
                case 504 -> 4;
                case 501 -> 12;
                default -> 2;
            };
            assertThat(f.grpcStatus()).as(f.name()).isEqualTo(expected);
        }
    }

    @Test
    void trailersOnlyShapeKeepsTheChallenge() {
        FullHttpResponse r =
                ProblemResponses.of(Failure.INSUFFICIENT_SCOPE, "needs scope write", "id-1", "write", true);
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.content().readableBytes()).isZero();
        assertThat(r.headers().get("content-type")).isEqualTo("application/grpc");
        assertThat(r.headers().get("grpc-status")).isEqualTo("7");
        assertThat(r.headers().get("grpc-message")).isEqualTo("Insufficient scope: needs scope write");
        assertThat(r.headers().get("www-authenticate"))
                .contains("insufficient_scope")
                .contains("scope=\"write\"");
        assertThat(r.headers().get("x-request-id")).isEqualTo("id-1");
        r.release();
    }
}
