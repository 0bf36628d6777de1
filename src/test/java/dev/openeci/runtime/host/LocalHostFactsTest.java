package dev.openeci.runtime.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.runtime.HostFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalHostFactsTest {
  @TempDir
  Path dir;

  @Test
  void resolvConfParsingDropsLoopbackServers() {
    HostFacts.ResolvConf r = LocalHostFacts.parse("# x\nnameserver 127.0.0.53\nnameserver 10.1.1.1\n"
        + "search a.example b.example\noptions edns0\n");
    assertThat(r.nameservers()).containsExactly("10.1.1.1");
    assertThat(r.search()).containsExactly("a.example", "b.example");
    assertThat(r.options()).containsExactly("edns0");
  }

  @Test
  void factsAreReadWhenAskedNotCached() throws Exception {
    Path resolv = dir.resolve("resolv.conf");
    Path gpu = dir.resolve("nvidia0");
    LocalHostFacts facts = new LocalHostFacts(dir.resolve("pods"), resolv, gpu);
    assertThat(facts.resolvConf()).isEqualTo(HostFacts.ResolvConf.empty());
    assertThat(facts.gpuPresent()).isFalse();
    Files.writeString(resolv, "nameserver 10.9.9.9\n");
    Files.writeString(gpu, "");
    assertThat(facts.resolvConf().nameservers()).containsExactly("10.9.9.9");
    assertThat(facts.gpuPresent()).isTrue();
    assertThat(facts.volumeRoot()).isEqualTo(dir.resolve("pods"));
  }

  @Test
  void bandwidthIsATokenBucketInBytesPerSecond() {
    assertThat(TrafficShaper.egressCommand(1_024_000)).containsExactly("tc", "qdisc", "replace", "dev", "eth0", "root",
        "tbf", "rate", "1024000bps", "burst", "102400", "latency", "400ms");
    assertThat(TrafficShaper.tbf("veth3", 1000)).contains("1000bps", List.of("32768").get(0));
  }
}
