package dev.openeci.api.mapping;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;


/**
 * Response shapes of DescribeContainerGroups exactly as the official response model names them
 * (PascalCase, plural list names, real arrays; docs/api.md). Null fields are omitted.
 */
public final class Views {
  private Views() {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Group(
      String ContainerGroupId, String ContainerGroupName, String RegionId, String ZoneId, String Status,
      String InstanceType, String RestartPolicy, Float Cpu, Float Memory, String IntranetIp, String InternetIp,
      String Ipv6Address, String CreationTime, String SucceededTime, String FailedTime, String ExpiredTime,
      String VpcId, String VSwitchId, String SecurityGroupId, String EniInstanceId, String ResourceGroupId,
      String RamRoleName, String SpotStrategy, Double SpotPriceLimit, String DnsPolicy, String ComputeCategory,
      Integer EphemeralStorage, Integer Discount, String SpecVersion, List<TagView> Tags, List<EventView> Events,
      List<Container> InitContainers, List<Container> Containers, List<VolumeView> Volumes,
      List<HostAliasView> HostAliases, DnsConfigView DnsConfig, SecurityContextView EciSecurityContext) {}

  public record TagView(String Key, String Value) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record EventView(Integer Count, String Type, String Name, String Reason, String Message,
      String FirstTimestamp, String LastTimestamp) {}

  public record HostAliasView(String Ip, List<String> Hostnames) {}

  /** Always an object ({} when unset): Terraform's provider type-asserts it. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record DnsConfigView(List<String> NameServers, List<String> Searches, List<NameValue> Options) {}

  /** Always an object ({} when unset). */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record SecurityContextView(List<NameValue> Sysctls) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record NameValue(String Name, String Value) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record VolumeView(String Name, String Type, List<FileView> ConfigFileVolumeConfigFileToPaths,
      String EmptyDirVolumeMedium, String EmptyDirVolumeSizeLimit, String NFSVolumeServer, String NFSVolumePath,
      Boolean NFSVolumeReadOnly, String DiskVolumeDiskId, String DiskVolumeFsType, String FlexVolumeDriver,
      String FlexVolumeFsType, String FlexVolumeOptions) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FileView(String Path, String Content) {}

  /**
   * One container. App containers list their command as {@code Commands}, init containers as
   * {@code Command} (the official model's asymmetry): exactly one of the two is set.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Container(
      String Name, String Image, String ImagePullPolicy, List<String> Commands, List<String> Command,
      List<String> Args, String WorkingDir, Float Cpu, Float Memory, Integer Gpu, List<PortView> Ports,
      List<EnvView> EnvironmentVars, List<MountView> VolumeMounts, ProbeView LivenessProbe, ProbeView ReadinessProbe,
      SecurityView SecurityContext, Boolean Ready, Integer RestartCount, Boolean Stdin, Boolean StdinOnce, Boolean Tty,
      StateView CurrentState, StateView PreviousState) {}

  public record PortView(Integer Port, String Protocol) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record EnvView(String Key, String Value, ValueFrom ValueFrom) {}

  public record ValueFrom(FieldRef FieldRef) {}

  public record FieldRef(String FieldPath) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record MountView(String Name, String MountPath, String SubPath, String MountPropagation, Boolean ReadOnly) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ProbeView(List<String> Execs, HttpGetView HttpGet, TcpSocketView TcpSocket, Integer InitialDelaySeconds,
      Integer PeriodSeconds, Integer TimeoutSeconds, Integer SuccessThreshold, Integer FailureThreshold) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record HttpGetView(String Path, Integer Port, String Scheme) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TcpSocketView(String Host, Integer Port) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SecurityView(Capability Capability, Boolean ReadOnlyRootFilesystem, Long RunAsUser) {}

  public record Capability(List<String> Adds) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StateView(String State, String Reason, String Message, String DetailStatus, Integer ExitCode,
      Integer Signal, String StartTime, String FinishTime) {}

}
