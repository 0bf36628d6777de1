package dev.openeci.api.mapping;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Response shapes of DescribeContainerGroups exactly as the official response model names them
 * (PascalCase, plural list names, real arrays; see docs/api.md). Null fields are omitted.
 */
public final class Views {
  private Views() {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Group(
      String ContainerGroupId, String ContainerGroupName, String RegionId, String ZoneId, String Status,
      String InstanceType, String RestartPolicy, Float Cpu, Float Memory, String IntranetIp, String InternetIp,
      String CreationTime, String SucceededTime, String FailedTime, String VpcId, String VSwitchId,
      String SecurityGroupId, String ResourceGroupId, Integer EphemeralStorage, String SpecVersion,
      List<TagView> Tags, List<EventView> Events, List<Container> InitContainers, List<Container> Containers,
      List<Map<String, Object>> Volumes, List<Map<String, Object>> HostAliases, Map<String, Object> DnsConfig,
      Map<String, Object> EciSecurityContext) {}

  public record TagView(String Key, String Value) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record EventView(Integer Count, String Type, String Name, String Reason, String Message,
      String FirstTimestamp, String LastTimestamp) {}

  /**
   * One container. App containers list their command as {@code Commands}, init containers as
   * {@code Command} (the official model's asymmetry): exactly one of the two is set.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Container(
      String Name, String Image, String ImagePullPolicy, List<String> Commands, List<String> Command,
      List<String> Args, String WorkingDir, Float Cpu, Float Memory, Integer Gpu, List<PortView> Ports,
      List<EnvView> EnvironmentVars, List<Map<String, Object>> VolumeMounts, Boolean Ready, Integer RestartCount,
      Boolean Stdin, Boolean StdinOnce, Boolean Tty, StateView CurrentState, StateView PreviousState) {}

  public record PortView(Integer Port, String Protocol) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record EnvView(String Key, String Value, ValueFrom ValueFrom) {}

  public record ValueFrom(FieldRef FieldRef) {}

  public record FieldRef(String FieldPath) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StateView(String State, String Reason, String Message, String DetailStatus, Integer ExitCode,
      Integer Signal, String StartTime, String FinishTime) {}
}
