package dev.authsidecar.authenticate.introspection;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.authenticate.idp.IdpFailure;
import dev.authsidecar.respond.Failure;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an RFC 7662 §2.2 answer into an {@link Identity} or an inactive verdict. It is strict: an answer that
 * does not have the shape the RFC gives it is the endpoint's failure ({@link IdpFailure}, 503), never a
 * verdict about the token, so an incompatible or broken endpoint can neither let anyone in nor look like a
 * wave of bad tokens.
 *
 * <p>Decisions the RFC leaves open:
 * <ul>
 *   <li>{@code active} present but not the JSON boolean ({@code "true"}, {@code 1}) is a malformed answer (503),
 *       not "inactive" (401): the endpoint said something we cannot read, and telling a caller that their token
 *       is bad would hide an outage from operators. Either way nobody is let in. A missing {@code active} is
 *       read as inactive.</li>
 *   <li>The subject is {@code sub}, else {@code username}, else {@code client_id} (client-credentials tokens
 *       often name only the client). An active token naming none of them is refused as invalid (401): the
 *       application would receive a request from nobody.</li>
 *   <li>An active answer whose {@code exp} has passed is inactive. Without {@code exp}, the identity expires
 *       when its cache entry would ({@code cacheTtl}), so nothing downstream keeps it longer.</li>
 *   <li>{@code sub}, {@code username}, {@code client_id}, {@code iss} and {@code scope} must be strings and
 *       {@code exp} a number when present; duplicate keys are malformed too, since two readers could take
 *       different values.</li>
 *   <li>A refresh token ({@code token_type} {@code refresh_token}) is refused as invalid (401), active or not:
 *       some servers introspect every token they issued, and a refresh token is not a bearer credential.</li>
 *   <li>With audiences configured, {@code aud} (a string or an array of strings) must name one of them, or
 *       the token is refused as invalid (401): it was issued for another service.</li>
 * </ul>
 */
final class IntrospectionResponseParser {
    static final String METHOD = Introspector.METHOD;
    static final AuthOutcome.Rejected INACTIVE =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the token is not active");
    static final AuthOutcome.Rejected NO_SUBJECT =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the token does not name a subject");
    static final AuthOutcome.Rejected REFRESH_TOKEN =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "a refresh token is not an access token");
    static final AuthOutcome.Rejected WRONG_AUDIENCE =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the token was not issued for this service");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final long cacheTtlSeconds;
    private final Set<String> audiences;

    IntrospectionResponseParser(Duration cacheTtl, List<String> audiences) {
        this.audiences = Set.copyOf(audiences);
        // Whole seconds, rounded up and at least one, so an identity is never born expired.
        long seconds = cacheTtl.getSeconds() + (cacheTtl.getNano() > 0 ? 1 : 0);
        this.cacheTtlSeconds = Math.max(1, seconds);
    }

    /**
     * @return an {@link Identity}, {@link #INACTIVE}, {@link #NO_SUBJECT}, {@link #REFRESH_TOKEN} or
     *     {@link #WRONG_AUDIENCE}
     * @throws IdpFailure when the body is not an RFC 7662 answer
     */
    AuthOutcome parse(byte[] body, long nowEpochSecond) throws IdpFailure {
        ObjectNode answer = readObject(body);
        JsonNode active = answer.get("active");
        if (active == null) {
            return INACTIVE;
        }
        if (!active.isBoolean()) {
            throw new IdpFailure("answered an \"active\" that is not a JSON boolean");
        }
        if (!active.booleanValue()) {
            return INACTIVE;
        }
        JsonNode expNode = answer.get("exp");
        if (expNode != null && !expNode.isNull() && !(expNode.isNumber() && expNode.canConvertToLong())) {
            throw new IdpFailure("answered an \"exp\" that is not a number of seconds");
        }
        boolean hasExp = expNode != null && expNode.isNumber();
        long exp = hasExp ? expNode.asLong() : nowEpochSecond + cacheTtlSeconds;
        if (exp <= nowEpochSecond) {
            return INACTIVE;
        }
        if ("refresh_token".equalsIgnoreCase(string(answer, "token_type"))) {
            return REFRESH_TOKEN;
        }
        if (!audiences.isEmpty() && !namesAnAudience(answer.get("aud"))) {
            return WRONG_AUDIENCE;
        }
        String clientId = string(answer, "client_id");
        String subject = firstPresent(string(answer, "sub"), string(answer, "username"), clientId);
        String issuer = string(answer, "iss");
        String scope = string(answer, "scope");
        if (subject == null) {
            return NO_SUBJECT;
        }
        return new Identity(subject, METHOD, issuer, scopes(scope), clientId, claims(answer), exp, payload(answer));
    }

    private static ObjectNode readObject(byte[] body) throws IdpFailure {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            // Jackson's message quotes the body, which may echo the token: say only what kind of failure it was.
            throw new IdpFailure("answered something that is not JSON");
        }
        if (!(tree instanceof ObjectNode)) {
            throw new IdpFailure("answered JSON that is not an object");
        }
        return (ObjectNode) tree;
    }

    /** {@code aud} is a string or an array of strings (RFC 7662 §2.2); anything else is a malformed answer. */
    private boolean namesAnAudience(JsonNode aud) throws IdpFailure {
        if (aud == null || aud.isNull()) {
            return false;
        }
        if (aud.isTextual()) {
            return audiences.contains(aud.textValue());
        }
        if (!aud.isArray()) {
            throw new IdpFailure("answered an \"aud\" that is neither a string nor an array of strings");
        }
        boolean found = false;
        for (JsonNode a : aud) {
            if (!a.isTextual()) {
                throw new IdpFailure("answered an \"aud\" array with a member that is not a string");
            }
            found |= audiences.contains(a.textValue());
        }
        return found;
    }

    private static String string(ObjectNode answer, String name) throws IdpFailure {
        JsonNode node = answer.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new IdpFailure("answered a \"" + name + "\" that is not a string");
        }
        return node.textValue();
    }

    private static String firstPresent(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isEmpty()) {
                return candidate;
            }
        }
        return null;
    }

    private static List<String> scopes(String scope) {
        if (scope == null) {
            return List.of();
        }
        List<String> scopes = new ArrayList<>();
        for (String s : scope.split(" ")) {
            if (!s.isEmpty()) {
                scopes.add(s);
            }
        }
        return scopes;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> claims(ObjectNode answer) {
        return (Map<String, Object>) toJava(answer);
    }

    /** JSON-shaped and read-only, because one Identity is shared by every request carrying the token. */
    private static Object toJava(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                map.put(field.getKey(), toJava(field.getValue()));
            }
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            for (JsonNode element : node) {
                list.add(toJava(element));
            }
            return Collections.unmodifiableList(list);
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        return null;
    }

    private static String payload(ObjectNode answer) {
        try {
            // Re-serialized compactly rather than copied, so the header carries no formatting whitespace.
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(answer));
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
