package dev.authsidecar.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

/** The faster value check accepts and refuses exactly what Netty's does, with Netty's message. */
class StrictHeadersFactoryTest {
    private static final DefaultHeaders.ValueValidator<CharSequence> NETTY =
            DefaultHttpHeadersFactory.headersFactory().getValueValidator();

    /** Every char up to U+017F (control bytes, DEL, Latin-1, and chars whose low byte is a control byte). */
    @Test
    void decidesLikeNettyForEveryCharacterAtEveryPosition() {
        for (char c = 0; c < 0x180; c++) {
            for (String value : new String[] {
                "" + c, c + "abc", "ab" + c + "c", "abc" + c, "Bearer " + c, "Bearer eyJ" + c + "x.y.z"
            }) {
                boolean netty = HttpHeaderValidationUtil.validateValidHeaderValue(value) == -1;
                assertEquals(
                        netty,
                        StrictHeadersFactory.isFieldContent(value),
                        () -> "value "
                                + value.chars().mapToObj(Integer::toHexString).toList());
                assertSameVerdict(value);
            }
        }
    }

    @Test
    void edgesOfAnAuthorizationValue() {
        for (String value : new String[] {
            "",
            "Bearer abc",
            "bearer abc",
            "Bearer abc   ",
            "Bearer\tabc",
            " Bearer abc",
            "\tBearer abc",
            "Bearer ab\u0000c",
            "Bearer ab\u007fc",
            "Bearer ab\rc",
            "Bearer ab\nc",
            "Bearer caf\u00e9",
            "Bearer \u00ff\u0080",
            "Bearer \u010a",
            "Bearer \u2028"
        }) {
            assertEquals(
                    HttpHeaderValidationUtil.validateValidHeaderValue(value) == -1,
                    StrictHeadersFactory.isFieldContent(value),
                    value);
            assertSameVerdict(value);
            assertSameVerdict(new AsciiString(value));
        }
    }

    /** The decoder's headers (this factory's) refuse a control byte in a value as Netty's do. */
    @Test
    void decoderHeadersRefuseWhatNettyRefuses() {
        HttpHeaders headers = StrictHeadersFactory.INSTANCE.newHeaders();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> headers.add("authorization", "Bearer a\u0001b"));
        IllegalArgumentException expected = assertThrows(
                IllegalArgumentException.class,
                () -> DefaultHttpHeadersFactory.headersFactory().newHeaders().add("authorization", "Bearer a\u0001b"));
        assertEquals(expected.getMessage(), e.getMessage());
        headers.add("authorization", "Bearer a\tb");
        assertEquals("Bearer a\tb", headers.get("authorization"));
    }

    private static void assertSameVerdict(CharSequence value) {
        String netty = messageOf(NETTY, value);
        String ours = messageOf(StrictHeadersFactory.VALUES, value);
        assertEquals(
                netty,
                ours,
                () -> "value " + value.chars().mapToObj(Integer::toHexString).toList());
    }

    private static String messageOf(DefaultHeaders.ValueValidator<CharSequence> validator, CharSequence value) {
        try {
            validator.validate(value);
            return "accepted";
        } catch (IllegalArgumentException e) {
            return "refused: " + e.getMessage();
        }
    }
}
