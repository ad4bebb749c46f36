package dev.authsidecar.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Pod's network, as the kubelet gives one: a fresh network namespace of its own (own loopback, own ports),
 * reached from the host through a veth pair. Processes started with {@link #wrap} run inside it, so a test can
 * use the manifest's fixed ports whatever else runs on the build machine, and can prove from outside what a
 * Pod's neighbours could reach.
 *
 * <p>Needs Linux, root and the {@code ip} tool (as CI runs). {@link #create} says why when it cannot, and the
 * caller falls back to ephemeral ports on the host ({@code -De2e.netns=off} forces that, to test the fallback).
 * The veth pair gets a private link-local /30 (169.254.x.y,
 * never 169.254.169.0/24, the cloud metadata range) holding only the pair's two ends; no route, forwarding or
 * NAT is added, so nothing but the host can reach the namespace. {@link #close} deletes the namespace (which
 * also deletes the veth pair) and namespaces left by earlier, killed runs.
 */
final class PodNetwork implements AutoCloseable {
    private static final String PREFIX = "asc-it-";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final String hostLink;
    private final InetAddress podAddress;
    private final InetAddress hostAddress;

    private PodNetwork(String name, String hostLink, InetAddress podAddress, InetAddress hostAddress) {
        this.name = name;
        this.hostLink = hostLink;
        this.podAddress = podAddress;
        this.hostAddress = hostAddress;
    }

    /** A new Pod network, or empty with the reason printed to stdout (never a silent skip). */
    static Optional<PodNetwork> create(String test) {
        String why = unavailable();
        if (why != null) {
            System.out.println(
                    test + ": no network namespace (" + why + "); falling back to ephemeral ports on " + "the host");
            return Optional.empty();
        }
        removeStale();
        long pid = ProcessHandle.current().pid();
        int n = COUNTER.incrementAndGet();
        String name = PREFIX + pid + "-" + n;
        // Interface names are at most 15 bytes.
        String hostLink = "asch" + Long.toString(pid % 1_000_000, 36) + n;
        String podLink = "ascp" + Long.toString(pid % 1_000_000, 36) + n;
        try {
            run("ip", "netns", "add", name);
            PodNetwork net = null;
            try {
                int[] block = freeBlock();
                String host = "169.254." + block[0] + "." + (block[1] + 1);
                String pod = "169.254." + block[0] + "." + (block[1] + 2);
                run("ip", "-n", name, "link", "set", "lo", "up");
                run("ip", "link", "add", hostLink, "type", "veth", "peer", "name", podLink, "netns", name);
                net = new PodNetwork(name, hostLink, InetAddress.getByName(pod), InetAddress.getByName(host));
                run("ip", "addr", "add", host + "/30", "dev", hostLink);
                run("ip", "link", "set", hostLink, "up");
                run("ip", "-n", name, "addr", "add", pod + "/30", "dev", podLink);
                run("ip", "-n", name, "link", "set", podLink, "up");
                System.out.println(test + ": running in network namespace " + name + ", Pod IP " + pod + " (host end "
                        + host + ")");
                return Optional.of(net);
            } catch (IOException | RuntimeException e) {
                if (net == null) {
                    quietly("ip", "netns", "del", name);
                } else {
                    net.close();
                }
                throw e;
            }
        } catch (IOException e) {
            System.out.println(test + ": could not set up a network namespace (" + e.getMessage()
                    + "); falling back to ephemeral ports on the host");
            return Optional.empty();
        }
    }

    private static String unavailable() {
        if ("off".equals(System.getProperty("e2e.netns"))) {
            return "-De2e.netns=off";
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "not Linux";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root";
        }
        for (String dir : System.getenv()
                .getOrDefault("PATH", "/usr/sbin:/sbin:/usr/bin:/bin")
                .split(":")) {
            if (Files.isExecutable(Path.of(dir, "ip"))) {
                return null;
            }
        }
        return "no `ip` command on the PATH";
    }

    /** A 169.254.x.y/30 no interface of the host uses yet (concurrent builds on one machine each get one). */
    private static int[] freeBlock() throws IOException {
        String addresses = output("ip", "-4", "-o", "addr", "show");
        for (int attempt = 0; attempt < 50; attempt++) {
            int third = ThreadLocalRandom.current().nextInt(1, 255);
            if (third == 169) {
                continue;
            }
            int base = ThreadLocalRandom.current().nextInt(0, 64) * 4;
            if (!addresses.contains(" 169.254." + third + ".")) {
                return new int[] {third, base};
            }
        }
        throw new IOException("no free 169.254.x.0/24 for the veth pair");
    }

    /** Namespaces of earlier runs whose JVM is gone (a killed build cannot clean up after itself). */
    private static void removeStale() {
        try {
            for (String line : output("ip", "netns", "list").split("\n")) {
                String ns = line.split(" ")[0].trim();
                if (!ns.startsWith(PREFIX)) {
                    continue;
                }
                String[] parts = ns.substring(PREFIX.length()).split("-");
                long pid = Long.parseLong(parts[0]);
                if (ProcessHandle.of(pid).isEmpty()) {
                    quietly("ip", "netns", "del", ns);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: a stale namespace only costs a little memory; fresh names never collide with it.
        }
    }

    /** The command, run inside this namespace ({@code ip netns exec} execs it: the process is the command). */
    List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", name));
        wrapped.addAll(command);
        return wrapped;
    }

    String name() {
        return name;
    }

    /** The Pod IP: the namespace's end of the veth pair, where the kubelet and the Service would connect. */
    InetAddress podAddress() {
        return podAddress;
    }

    InetAddress hostAddress() {
        return hostAddress;
    }

    /** Process ids of everything still running in the namespace. */
    List<Long> pids() throws IOException {
        List<Long> pids = new ArrayList<>();
        for (String line : output("ip", "netns", "pids", name).split("\n")) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.trim()));
            }
        }
        return pids;
    }

    /** Kills what is left inside, then deletes the namespace and with it the veth pair. Idempotent. */
    @Override
    public void close() {
        try {
            for (long pid : pids()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | RuntimeException e) {
            // The namespace may already be gone.
        }
        quietly("ip", "link", "del", hostLink);
        quietly("ip", "netns", "del", name);
    }

    private static void run(String... command) throws IOException {
        output(command);
    }

    private static void quietly(String... command) {
        try {
            output(command);
        } catch (IOException | RuntimeException e) {
            // Already gone.
        }
    }

    private static String output(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no answer within 20 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
        }
        return out;
    }
}
