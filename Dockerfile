# Both images, from one build stage. The build context is the repository root (a multi-module Maven build); the
# target names the image:
#
#   docker build --target auth-sidecar -t auth-sidecar:dev .
#   docker build --target main-service -t main-service:dev .
#
# Stages: `build` compiles both jars with the Maven wrapper on a JDK 25, once for both images (the second build
# takes it from the cache); per image, a jlink stage cuts a Java runtime down to the modules its jar needs and gives
# it a class-data-sharing archive made with the image's JVM options, and a final stage copies runtime and jar onto
# a distroless base that has no shell and no package manager. Without --target, Docker builds the last stage: the
# sidecar.
# dev.authsidecar.deploy.DockerfileTest checks this file (COPY sources, jar names, ports, user, final stages);
# ManifestPodIT runs the built jars with exactly the JVM options and the module lists written here;
# deploy/test-images.sh builds both targets of this file unmodified and runs them as the Deployment's Pod.
# No `# syntax=` line: BuildKit's built-in Dockerfile frontend handles RUN --mount, and a syntax line would make
# every build pull a frontend image from Docker Hub, which fails where builds have no registry access.

# The JVM options of each image, in one place: its final stage sets them as JAVA_TOOL_OPTIONS, and its jlink stage
# makes the image's class-data archive with exactly these options, because the JVM uses an archive only when the
# options it was made with match (object header layout, compressed oops, GC, native-access and other module
# properties). For the sidecar that archive is a JDK 25 ahead-of-time cache (AOT_CACHE below), made by a training
# run; main-service has a plain class-data-sharing archive. Change the options with
# `docker build --build-arg SIDECAR_JAVA_OPTIONS="…"` to keep the two together.
# What each option does, and what it was measured to give, is in docs/jvm-options.md; bench/run.sh measures the
# sidecar with exactly SIDECAR_JAVA_OPTIONS (it reads them from this line), and so does bin/auth-sidecar, the
# launcher of the tarball (auth-sidecar/pom.xml reads this line at build time).
ARG SIDECAR_JAVA_OPTIONS="-Xmx48m -Xmn6m -XX:+UseSerialGC -Xss256k -XX:ReservedCodeCacheSize=24m -XX:-UsePerfData -XX:+UseCompactObjectHeaders -XX:-TieredCompilation -XX:CICompilerCount=1 -XX:FreqInlineSize=100 -XX:TrimNativeHeapInterval=500 --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false -XX:MaxDirectMemorySize=64m -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED"
# Where the sidecar image keeps its ahead-of-time cache; the final stage adds -XX:AOTCache=<this> to the options above.
# Not part of SIDECAR_JAVA_OPTIONS because the file exists only in the image: bench/ and the tarball's launcher run
# the same options without it (a JVM told to use a cache it cannot map logs errors and runs without any sharing).
ARG SIDECAR_AOT_CACHE=/opt/auth-sidecar/auth-sidecar.aot
ARG MAIN_SERVICE_JAVA_OPTIONS="-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError --sun-misc-unsafe-memory-access=allow"

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
# Wrapper and POMs first, so this layer stays cached while only sources change.
COPY mvnw ./
COPY .mvn/ .mvn/
COPY pom.xml ./
COPY main-service/pom.xml main-service/
COPY auth-sidecar/pom.xml auth-sidecar/
COPY main-service/src/main/ main-service/src/main/
COPY auth-sidecar/src/main/ auth-sidecar/src/main/
# The cache mount keeps the downloaded Maven and dependencies between builds without putting them in a layer.
# Tests are neither compiled nor run here: CI runs `./mvnw verify` before images are built, and the test-only
# dependencies would just slow this stage down. `sh` instead of ./mvnw: the exec bit may not survive a checkout.
# -Dlauncher.skip: no tarball with bin/auth-sidecar (for running outside a container; it reads this Dockerfile, which
# is not in the build context).
# Netty's epoll library is unpacked from the sidecar's jar here, at build time, and installed below in the
# directory the JDK searches first for native libraries (java.library.path starts with /usr/java/packages/lib on
# Linux). Netty tries java.library.path before unpacking its copy from the jar to a temporary folder, so the Pod
# needs no writable, executable /tmp for the native transport: a noexec tmpfs or a read-only /tmp cannot make it
# fall back to NIO. Both architectures' libraries are kept; each JVM loads the one named after its own.
# netty-tcnative's BoringSSL (server.tls.provider: openssl, the default) and the io_uring transport
# (server.transport: io_uring; docs/transport.md) are installed the same way.
RUN --mount=type=cache,target=/root/.m2 \
    sh mvnw -B -q -pl main-service,auth-sidecar -am package -Dmaven.test.skip=true -Dlauncher.skip=true \
 && mkdir auth-sidecar/target/native && cd auth-sidecar/target/native \
 && jar xf ../auth-sidecar.jar META-INF/native/ && ls META-INF/native/libnetty_transport_native_epoll_*.so \
    META-INF/native/libnetty_transport_native_io_uring42_*.so META-INF/native/libnetty_tcnative_linux_*.so

# ---- main-service: the application the sidecar protects -------------------------------------------------------
# The image listens on 127.0.0.1:8080 (HTTP) and 127.0.0.1:9090 (gRPC) by default, as in the Pod, where only the
# sidecar may reach them. To try the image alone:
#   docker run --rm -p 8080:8080 -p 9090:9090 main-service:dev --listen 0.0.0.0:8080 --grpc-listen 0.0.0.0:9090

FROM eclipse-temurin:25-jdk AS main-service-jre
# java.base; java.logging (Netty's internal logger falls back to java.util.logging and fails to start without
# it); jdk.unsupported (sun.misc.Signal, for a graceful stop on SIGTERM, and Unsafe for Netty's buffers).
# ManifestPodIT runs the jar limited to this list. The class-data-sharing archive is made as for the sidecar
# (auth-sidecar-jre below explains why).
ARG MAIN_SERVICE_JAVA_OPTIONS
RUN jlink \
      --add-modules java.base,java.logging,jdk.unsupported \
      --strip-debug --no-man-pages --no-header-files \
      --output /opt/jre \
 && jimage list /opt/jre/lib/modules | awk '/\.class$/ { sub(/\.class$/, "", $1); print $1 }' > /tmp/classes \
 && awk 'NR == FNR { have[$1] = 1; next } /^@lambda-proxy/ { if ($2 in have) print; next } /^[#@]/ || ($1 in have)' \
      /tmp/classes /opt/jre/lib/classlist > /tmp/classlist \
 && mv /tmp/classlist /opt/jre/lib/classlist \
 && JAVA_TOOL_OPTIONS="$MAIN_SERVICE_JAVA_OPTIONS" /opt/jre/bin/java -Xshare:dump \
 && ls /opt/jre/lib/server/*.jsa

FROM gcr.io/distroless/java-base-debian13:nonroot AS main-service
COPY --from=main-service-jre /opt/jre /opt/jre
COPY --from=build /src/main-service/target/main-service.jar /opt/main-service/main-service.jar
# The JVM options: MAIN_SERVICE_JAVA_OPTIONS at the top (see auth-sidecar below for why an environment variable).
ARG MAIN_SERVICE_JAVA_OPTIONS
ENV JAVA_TOOL_OPTIONS="${MAIN_SERVICE_JAVA_OPTIONS}"
USER 65532:65532
EXPOSE 8080 9090
ENTRYPOINT ["/opt/jre/bin/java", "-jar", "/opt/main-service/main-service.jar"]

# ---- auth-sidecar: the product (last, so that a build without --target makes it) -------------------------------

FROM eclipse-temurin:25-jdk AS auth-sidecar-jre
# The modules the sidecar uses, found with `jdeps --print-module-deps` and trimmed to what runs
# (ManifestPodIT starts the jar with `--limit-modules` set to this list, so a missing module fails a test,
# not a Pod):
#   java.base        everything else
#   java.xml         Logback reads an XML configuration when -Dlogback.configurationFile names one (the
#                    built-in log set-up is in code and needs no XML)
#   jdk.unsupported  sun.misc.Signal (SIGTERM -> graceful drain); Netty's fast paths
#   jdk.jfr          flight recordings are how a JVM in production is diagnosed (-XX:StartFlightRecording via
#                    JAVA_TOOL_OPTIONS); -Dio.netty.jfr.enabled=true adds Netty's allocator events to them
#   java.management, jdk.management
#                    the JVM's MXBeans, read by the Prometheus JVM metrics on the admin port
#   java.naming      javax.naming.ldap.LdapName, which reads a client certificate's subject DN (auth.mtls
#                    subjectFrom: subject-cn) by RFC 4514's rules rather than by hand
# Not needed: java.desktop and java.sql (jdeps lists them for Jackson's optional java.beans / java.sql
# support, which is never loaded here). Elliptic-curve and RSA
# signatures for JWT are in java.base since JDK 22. java.net.http: the JDK HTTP client that fetches JWKS,
# discovery documents and introspection answers. Add a module here when code starts using one.
# --output /opt/jre: a folder the base image does not have (the JDK itself is /opt/java/openjdk, its JAVA_HOME,
# and jlink refuses to write into an existing folder). No --compress: image layers are compressed anyway, and a
# compressed module image costs start-up time to inflate.
# Class-data sharing: a JDK 25 ahead-of-time cache (JEPs 483, 514, 515) instead of a plain CDS archive: it holds the
# JDK's and the sidecar's classes as they were after a training run, already loaded and linked, with the
# method profiles and resolved call sites of that run, so the JVM in the Pod starts without reading, verifying or
# linking them again (docs/jvm-options.md, "Ahead-of-time cache"). It covers what `java -Xshare:dump` gave before
# (the JDK classes), so there is one mechanism, not two. Not jlink's --generate-cds-archive: it makes archives for
# the default JVM options only, and a JVM started with -XX:+UseCompactObjectHeaders finds none that matches.
ARG SIDECAR_JAVA_OPTIONS
ARG SIDECAR_AOT_CACHE
RUN jlink \
      --add-modules java.base,java.xml,java.net.http,java.naming,jdk.unsupported,jdk.jfr,java.management,jdk.management \
      --strip-debug --no-man-pages --no-header-files \
      --output /opt/jre
# The training run: the jar at the path the image runs it from (a cache records its class path and refuses another
# jar), Netty's libraries where the image has them, main-service as the upstream. deploy/images/AotTraining.java
# starts the sidecar on this runtime with the image's options plus -XX:AOTCacheOutput, sends a Pod's traffic
# (probes, /metrics, 401s, 200s with an API key), stops it with SIGTERM, and fails the build unless the sidecar
# exited 0 and wrote the cache. The second java checks that the cache maps with the image's options
# (-XX:AOTMode=on refuses to start otherwise).
COPY --from=build /src/auth-sidecar/target/native/META-INF/native/ /usr/java/packages/lib/
COPY --from=build /src/auth-sidecar/target/auth-sidecar.jar /opt/auth-sidecar/auth-sidecar.jar
COPY --from=build /src/main-service/target/main-service.jar /tmp/aot-training/main-service.jar
COPY deploy/images/AotTraining.java /tmp/aot-training/
RUN java /tmp/aot-training/AotTraining.java /opt/jre/bin/java /opt/auth-sidecar/auth-sidecar.jar \
      /tmp/aot-training/main-service.jar "$SIDECAR_JAVA_OPTIONS -XX:AOTCacheOutput=$SIDECAR_AOT_CACHE" \
 && JAVA_TOOL_OPTIONS="$SIDECAR_JAVA_OPTIONS -XX:AOTCache=$SIDECAR_AOT_CACHE -XX:AOTMode=on" \
      /opt/jre/bin/java -jar /opt/auth-sidecar/auth-sidecar.jar --version \
 && rm -rf /tmp/aot-training

# Distroless java-base: glibc, zlib, libstdc++, CA certificates, time zones and a "nonroot" user (65532),
# which is what a jlink runtime needs; no shell, no package manager, nothing to build with. Debian 13 is the
# current Debian stable. For production, pin it by digest (…:nonroot@sha256:…) and let a bot bump it.
FROM gcr.io/distroless/java-base-debian13:nonroot AS auth-sidecar
COPY --from=auth-sidecar-jre /opt/jre /opt/jre
COPY --from=build /src/auth-sidecar/target/native/META-INF/native/ /usr/java/packages/lib/
COPY --from=build /src/auth-sidecar/target/auth-sidecar.jar /opt/auth-sidecar/auth-sidecar.jar
COPY --from=auth-sidecar-jre /opt/auth-sidecar/auth-sidecar.aot /opt/auth-sidecar/auth-sidecar.aot
# The JVM options (SIDECAR_JAVA_OPTIONS at the top; docs/jvm-options.md explains each) and the ahead-of-time cache.
# An environment variable rather than entrypoint flags so that a Deployment can replace them (set
# JAVA_TOOL_OPTIONS on the container) without repeating the entrypoint; the JVM prints the options it picked up as
# its first log line, so `kubectl logs` shows what is in effect. A replacement that changes the object layout
# (-XX:-UseCompactObjectHeaders, a heap over 32 GiB), the GC, or the module options no longer matches the cache,
# and the JVM then logs "[error][aot] … Unable to map shared spaces" and starts without it (slower, no sharing):
# rebuild with --build-arg SIDECAR_JAVA_OPTIONS instead.
ARG SIDECAR_JAVA_OPTIONS
ARG SIDECAR_AOT_CACHE
ENV JAVA_TOOL_OPTIONS="${SIDECAR_JAVA_OPTIONS} -XX:AOTCache=${SIDECAR_AOT_CACHE}"
# Numeric, so that Kubernetes can verify runAsNonRoot without looking up a user name.
USER 65532:65532
# The defaults: proxy port and admin port (health, readiness).
EXPOSE 8081 9901
# Exec form: there is no shell to run anything else, and the JVM is PID 1, so SIGTERM reaches it directly
# (it handles SIGTERM itself and spawns no children, so no init process is needed).
ENTRYPOINT ["/opt/jre/bin/java", "-jar", "/opt/auth-sidecar/auth-sidecar.jar"]
