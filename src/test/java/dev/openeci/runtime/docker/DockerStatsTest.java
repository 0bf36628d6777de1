package dev.openeci.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.runtime.ContainerStats;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Stats and info bodies of both engines, as recorded from Podman 4 and Docker (cgroup v1 and v2). */
class DockerStatsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant NOW = Instant.parse("2026-12-01T13:00:00Z");

  /** Podman 4's Docker-compatible answer (one-shot): no memory breakdown, no blkio entries. */
  static final String PODMAN = """
      {"read":"2026-12-01T13:09:56.972948539Z","preread":"0001-01-01T00:00:00Z","pids_stats":{"current":1},
       "blkio_stats":{"io_service_bytes_recursive":[],"io_serviced_recursive":null},
       "cpu_stats":{"cpu_usage":{"total_usage":1983932959,"percpu_usage":[1510348090,473584869]},
         "system_cpu_usage":16540864110919,"online_cpus":2},
       "precpu_stats":{"cpu_usage":{"total_usage":0}},
       "memory_stats":{"usage":1089536,"limit":25275953152},
       "name":"x","Id":"caca",
       "networks":{"network":{"rx_bytes":516,"rx_packets":3,"rx_errors":1,"rx_dropped":2,
         "tx_bytes":1220,"tx_packets":4,"tx_errors":5,"tx_dropped":6}}}
      """;

  static final String DOCKER_V1 = """
      {"read":"2026-12-01T13:00:01Z",
       "blkio_stats":{"io_service_bytes_recursive":[
           {"major":8,"minor":0,"op":"Read","value":4096},{"major":8,"minor":0,"op":"Write","value":8192},
           {"major":8,"minor":0,"op":"Total","value":12288}],
         "io_serviced_recursive":[{"major":8,"minor":0,"op":"Read","value":1},{"major":8,"minor":0,"op":"Write","value":2}]},
       "cpu_stats":{"cpu_usage":{"total_usage":500}},
       "memory_stats":{"usage":10000,"limit":20000,"stats":{"total_rss":3000,"total_cache":6000,
         "total_inactive_file":4000,"rss":1,"cache":2}},
       "networks":{"eth0":{"rx_bytes":1,"tx_bytes":2}}}
      """;

  static final String DOCKER_V2 = """
      {"read":"2026-12-01T13:00:02Z",
       "blkio_stats":{"io_service_bytes_recursive":[{"major":259,"minor":1,"op":"read","value":100},
         {"major":259,"minor":1,"op":"write","value":200}],"io_serviced_recursive":null},
       "cpu_stats":{"cpu_usage":{"total_usage":700}},
       "memory_stats":{"usage":9000,"limit":18000,"stats":{"anon":2500,"file":5000,"inactive_file":1500}}}
      """;

  @Test
  void podmanBodyGivesCpuUsageAndNetworkAndTheWorkingSetIsTheUsage() throws Exception {
    ContainerStats s = DockerStats.parse(JSON.readTree(PODMAN), NOW);
    assertThat(s.read()).isEqualTo(Instant.parse("2026-12-01T13:09:56.972948539Z"));
    assertThat(s.cpuUsageNanos()).isEqualTo(1983932959L);
    assertThat(s.memoryUsage()).isEqualTo(1089536L);
    assertThat(s.memoryLimit()).isEqualTo(25275953152L);
    assertThat(s.workingSet()).isEqualTo(1089536L);
    assertThat(s.rss()).isZero();
    assertThat(s.networks()).containsExactly(new ContainerStats.Net("network", 516, 3, 1, 2, 1220, 4, 5, 6));
    assertThat(s.disks()).isEmpty();
  }

  @Test
  void dockerCgroupV1BodyGivesTheMemoryBreakdownAndBlockDevices() throws Exception {
    ContainerStats s = DockerStats.parse(JSON.readTree(DOCKER_V1), NOW);
    assertThat(s.rss()).isEqualTo(3000);
    assertThat(s.cache()).isEqualTo(6000);
    assertThat(s.workingSet()).isEqualTo(6000); // usage - total_inactive_file
    assertThat(s.disks()).containsExactly(new ContainerStats.Disk("8:0", 4096, 8192, 1, 2));
    assertThat(s.networks()).extracting(ContainerStats.Net::name).containsExactly("eth0");
  }

  @Test
  void dockerCgroupV2BodyUsesAnonFileAndInactiveFile() throws Exception {
    ContainerStats s = DockerStats.parse(JSON.readTree(DOCKER_V2), NOW);
    assertThat(s.rss()).isEqualTo(2500);
    assertThat(s.cache()).isEqualTo(5000);
    assertThat(s.workingSet()).isEqualTo(7500);
    assertThat(s.disks()).containsExactly(new ContainerStats.Disk("259:1", 100, 200, 0, 0));
    assertThat(s.networks()).isEmpty();
  }

  @Test
  void aZeroReadTimeFallsBackToNow() throws Exception {
    ContainerStats s = DockerStats.parse(JSON.readTree("{\"read\":\"0001-01-01T00:00:00Z\"}"), NOW);
    assertThat(s.read()).isEqualTo(NOW);
    assertThat(s.cpuUsageNanos()).isZero();
  }

  @Test
  void capacityIsNcpuAndMemTotal() throws Exception {
    assertThat(DockerStats.parseCapacity(JSON.readTree("{\"NCPU\":2,\"MemTotal\":25275953152}")))
        .contains(new ContainerStats.Capacity(2, 25275953152L));
    assertThat(DockerStats.parseCapacity(JSON.readTree("{}"))).isEmpty();
  }
}
