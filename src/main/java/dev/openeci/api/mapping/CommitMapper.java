package dev.openeci.api.mapping;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.commit.CommitService;
import dev.openeci.commit.CommitTask;
import dev.openeci.error.ErrorCode;
import dev.openeci.runtime.ImageRefs;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * CommitContainer's parameters (validated with ECI's codes) and DescribeCommitContainerTask's model
 * (CommitTasks[] with CommitPhaseInfos[]), never with registry credentials.
 */
public final class CommitMapper {
  /** [host[:port]/]path: lower-case path components separated by '/', as registries name repositories. */
  private static final Pattern REPOSITORY = Pattern.compile(
      "([a-zA-Z0-9.-]+(:[0-9]{1,5})?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  static final int MAX_TEXT = 1024;

  private CommitMapper() {}

  public static CommitService.Request commit(ParamReader p) {
    Text.checkNoControl(p);
    String groupId = p.required("ContainerGroupId");
    String container = p.required("ContainerName");
    ParamReader image = p.struct("Image");
    String repository = image.string("Repository");
    if (repository == null || repository.isBlank()) throw ErrorCode.missing("Image.Repository");
    repository = repository.trim();
    if (repository.length() > 255 || !REPOSITORY.matcher(repository).matches()) {
      throw ErrorCode.invalid("Image.Repository", "\"" + Text.printable(repository) + "\" is not a repository"
          + " name ([registry[:port]/]path of lower-case letters, digits and . _ - separated by /, without a tag)");
    }
    if (ImageRefs.localOnly(repository)) {
      throw ErrorCode.invalid("Image.Repository", "\"" + repository + "\" names the engine's local store"
          + " (localhost/), not a registry: the committed image is pushed to a registry");
    }
    String tag = image.string("Tag");
    if (tag == null || tag.isEmpty()) {
      tag = "latest";
    } else if (!TAG.matcher(tag).matches()) {
      throw ErrorCode.invalid("Image.Tag", "\"" + Text.printable(tag) + "\" is not a tag (1-128 letters, digits,"
          + " _ . -, not starting with . or -)");
    }
    String author = text(image, "Author");
    String message = text(image, "Message");
    // AcrRegistryInfo.* and Arn.* (RAM role of an ACR instance) have no local meaning: accepted.
    return new CommitService.Request(groupId, container, repository, tag, author, message,
        ImageCacheMapper.credentials(p), Options.csv(p.string("PlainHttpRegistry")),
        Options.csv(p.string("InsecureRegistry")));
  }

  private static String text(ParamReader p, String name) {
    String v = p.string(name);
    if (v != null && v.length() > MAX_TEXT) {
      throw ErrorCode.invalid(p.path(name), "at most " + MAX_TEXT + " characters");
    }
    return v;
  }

  /** DescribeCommitContainerTask's TaskStatus filter: Running, Succeeded or Failed (null: any). */
  public static String status(ParamReader p) {
    String s = p.string("TaskStatus");
    if (s == null || s.isEmpty()) return null;
    for (String known : List.of(CommitTask.RUNNING, CommitTask.SUCCEEDED, CommitTask.FAILED)) {
      if (known.toLowerCase(Locale.ROOT).equals(s.toLowerCase(Locale.ROOT))) return known;
    }
    throw ErrorCode.invalid("TaskStatus", "\"" + Text.printable(s) + "\" is not Running, Succeeded or Failed");
  }

  public record PhaseView(String Message, String Phase, String RecordTime, String Status) {}

  public record TaskView(List<PhaseView> CommitPhaseInfos, String ContainerName, String StatusMessage,
      String TaskCreationTime, String TaskFinishedTime, String TaskId, String TaskProgress, String TaskStatus) {}

  public static TaskView view(CommitTask t) {
    return new TaskView(t.phases().stream().map(ph -> new PhaseView(ph.message(), ph.phase(),
        DescribeMapper.time(ph.recordTime()), ph.status())).toList(), t.containerName(), t.statusMessage(),
        DescribeMapper.time(t.creationTime()), DescribeMapper.time(t.finishedTime()), t.id(), t.progress() + "%",
        t.status());
  }
}
