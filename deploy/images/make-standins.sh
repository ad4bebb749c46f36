#!/usr/bin/env bash
# Makes local stand-ins for the two base images the Dockerfiles name, for machines that cannot reach a
# container registry. They carry the real names, so the Dockerfiles build unmodified:
#
#   eclipse-temurin:25-jdk                        Debian root (debootstrap) + a JDK 25 at /opt/java/openjdk,
#                                                 JAVA_HOME and PATH set, binutils (jlink --strip-debug needs objcopy)
#   gcr.io/distroless/java-base-debian13:nonroot  only the files of glibc, libgcc, libstdc++, zlib, tzdata, netbase,
#                                                 base-files and the CA bundle, from the same Debian root; users
#                                                 root/nobody/nonroot (65532), USER 65532, no shell
#   auth-sidecar-standin/debian:<suite>           the whole Debian root; the test Pod's "pause" container runs
#                                                 `sleep infinity` from it
#
# Each image is skipped when its tag exists already, so only the first run pays for debootstrap.
# Usage: deploy/images/make-standins.sh DOCKER_COMMAND JDK_HOME   (run as root; called by deploy/test-images.sh)
set -euo pipefail

DOCKER=${1:?docker command}
JDK=${2:?JDK 25 home}
SUITE=${STANDIN_SUITE:-trixie}   # Debian 13, as distroless java-base-debian13
MIRROR=${STANDIN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_TAG=auth-sidecar-standin/debian:$SUITE
TEMURIN_TAG=eclipse-temurin:25-jdk
DISTROLESS_TAG=gcr.io/distroless/java-base-debian13:nonroot

have() { $DOCKER image inspect "$1" >/dev/null 2>&1; }

if have "$DEBIAN_TAG" && have "$TEMURIN_TAG" && have "$DISTROLESS_TAG"; then
    echo "stand-in bases present: $DEBIAN_TAG, $TEMURIN_TAG, $DISTROLESS_TAG"
    exit 0
fi

work=$(mktemp -d /var/tmp/auth-sidecar-standins.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root

if ! have "$DEBIAN_TAG"; then
    echo "debootstrap $SUITE from $MIRROR (a few minutes, once)"
    # binutils: jlink --strip-debug calls objcopy; the rest is what the distroless stand-in is cut from.
    debootstrap --variant=minbase --include=binutils,ca-certificates,tzdata,netbase,zlib1g,libstdc++6 \
        "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log"; echo "debootstrap failed" >&2; exit 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | $DOCKER import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$DEBIAN_TAG" >/dev/null
else
    # The other two are cut from this image's files.
    mkdir -p "$root"
    cid=$($DOCKER create "$DEBIAN_TAG" true)
    $DOCKER export "$cid" | tar -C "$root" -x
    $DOCKER rm "$cid" >/dev/null
fi

if ! have "$TEMURIN_TAG"; then
    "$JDK/bin/java" -version 2>&1 | grep -q 'version "25' || { echo "$JDK is not a JDK 25" >&2; exit 1; }
    mkdir -p "$work/temurin"
    # -L: a JDK from a Debian package links lib/security/cacerts to /etc/ssl/certs/java; the image needs the file.
    cp -rL "$JDK" "$work/temurin/openjdk"
    cat >"$work/temurin/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_TAG
COPY openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk \\
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LANG=en_US.UTF-8 LANGUAGE=en_US:en LC_ALL=en_US.UTF-8
CMD ["jshell"]
DOCKERFILE
    DOCKER_BUILDKIT=0 $DOCKER build -q -t "$TEMURIN_TAG" "$work/temurin" >/dev/null
fi

if ! have "$DISTROLESS_TAG"; then
    slim=$work/slim
    mkdir -p "$slim"/usr "$slim"/etc/ssl/certs "$slim"/tmp "$slim"/home/nonroot "$slim"/root
    # Debian 13 has a merged /usr: /lib, /bin, ... are symbolic links into /usr, in the stand-in as in the base.
    for d in bin lib lib64 sbin; do
        if [ -L "$root/$d" ]; then cp -a "$root/$d" "$slim/$d"; fi
    done
    chroot "$root" dpkg -L base-files netbase tzdata libc6 libgcc-s1 libstdc++6 zlib1g \
        | sed -E 's#^/(bin|lib|lib64|sbin)/#/usr/\1/#' | sort -u \
        | while read -r f; do if [ ! -d "$root$f" ] || [ -L "$root$f" ]; then printf '%s\n' "${f#/}"; fi; done \
        | grep -v -E '^usr/share/(doc|man|info|lintian)/' >"$work/files"
    tar -C "$root" --no-recursion -c -T "$work/files" | tar -C "$slim" -x
    cp -L "$root/etc/ssl/certs/ca-certificates.crt" "$slim/etc/ssl/certs/"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$slim/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' >"$slim/etc/group"
    chmod 1777 "$slim/tmp"
    chown 65532:65532 "$slim/home/nonroot"
    chmod 700 "$slim/root"
    tar -C "$slim" -c . | $DOCKER import \
        --change 'USER 65532:65532' --change 'WORKDIR /home/nonroot' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' - "$DISTROLESS_TAG" >/dev/null
fi
echo "stand-in bases made: $DEBIAN_TAG, $TEMURIN_TAG, $DISTROLESS_TAG"
