package dev.openeci.error;

/**
 * The ECI error vocabulary, one constant per code: the code string clients branch on, the HTTP status it is
 * served with, and the default message. Only {@code api.rpc} turns these into the wire envelope.
 *
 * <p>Codes and statuses follow the documented ECI/POP gateway values (see docs/errors.md).
 */
public enum ErrorCode {
  // --- gateway / protocol --------------------------------------------------------------------
  INVALID_ACTION_NOT_FOUND("InvalidAction.NotFound", 404,
      "Specified api is not found, please check your url and method."),
  INVALID_VERSION("InvalidVersion", 400,
      "Specified parameter Version is not valid."),
  MISSING_PARAMETER("MissingParameter", 400,
      "The input parameter that is mandatory for processing this request is not supplied."),
  INVALID_PARAMETER("InvalidParameter", 400,
      "The specified parameter is not valid."),
  UNSUPPORTED_HTTP_METHOD("UnsupportedHTTPMethod", 400,
      "This http method is not supported."),
  INVALID_REGION_ID("InvalidRegionId", 400,
      "The specified RegionId does not exist."),
  INTERNAL_ERROR("InternalError", 500,
      "The request processing has failed due to some unknown error."),
  SERVICE_UNAVAILABLE("ServiceUnavailable", 503,
      "The request has failed due to a temporary failure of the server."),
  THROTTLING("Throttling", 400,
      "Request was denied due to request throttling."),
  THROTTLING_USER("Throttling.User", 400,
      "Request was denied due to user flow control."),
  REQUEST_TOO_LARGE("RequestEntityTooLarge", 413,
      "The request is larger than this server accepts."),
  REQUEST_TIMEOUT("RequestTimeout", 408,
      "The request was not received in time."),
  BAD_REQUEST("BadRequest", 400,
      "The HTTP request is malformed."),
  REQUEST_HEADER_TOO_LARGE("RequestHeaderTooLarge", 431,
      "The request line and headers are larger than this server accepts."),

  // --- authentication --------------------------------------------------------------------------
  MISSING_SIGNATURE("IncompleteSignature", 400,
      "The request signature does not conform to Aliyun standards."),
  SIGNATURE_DOES_NOT_MATCH("SignatureDoesNotMatch", 400,
      "Specified signature is not matched with our calculation."),
  INVALID_ACCESS_KEY_ID_NOT_FOUND("InvalidAccessKeyId.NotFound",
      404, "Specified access key is not found."),
  INVALID_TIMESTAMP_EXPIRED("InvalidTimeStamp.Expired", 400,
      "Specified time stamp or date value is expired."),
  INVALID_TIMESTAMP_FORMAT("InvalidTimeStamp.Format", 400,
      "Specified time stamp or date value is not well formatted."),
  SIGNATURE_NONCE_USED("SignatureNonceUsed", 400,
      "Specified signature nonce was used already."),
  INVALID_SIGNATURE_METHOD("InvalidSignatureMethod", 400,
      "Specified signature method is not supported."),
  FORBIDDEN("Forbidden.RAM", 403,
      "User not authorized to operate on the specified resource."),

  // --- ECI resource errors -----------------------------------------------------------------------
  CONTAINER_GROUP_NOT_FOUND("InvalidParameter.NotFound", 404,
      "The specified container group is not found."),
  INCORRECT_STATUS("IncorrectStatus", 400,
      "The current status of the resource does not support this operation."),
  OPERATION_CONFLICT("OperationConflict", 400,
      "Request was denied due to conflict with a previous request."),
  IDEMPOTENT_PARAMETER_MISMATCH("IdempotentParameterMismatch", 400,
      "The request uses the same client token as a previous, but non-identical request."),
  DUPLICATED_NAME("InvalidParameter.DuplicatedName", 400,
      "The container group include containers with duplicate names."),
  CPU_MEMORY("InvalidParameter.CPU.Memory", 400,
      "The specified cpu and memory are not allowed"),
  NO_NEED_UPDATE("NoNeedUpdate", 400,
      "There are no changes to be updated for current resource."),
  DRY_RUN_SUCCESS("DryRun.Success", 400,
      "This request is a dryrun request with successful result."),
  QUOTA_EXCEEDED("QuotaExceeded", 403,
      "The quota of container groups is exceeded."),

  // --- tags and quotas (TagResources, UntagResources, ListTagResources, ListUsage; docs/tags.md) ----
  TAGS_NUMBER_EXCEED("NumberExceed.Tags", 400,
      "The length of tags exceeded limit: 20."),

  /** The action has no meaning on the backend this server runs groups on (docs/kubernetes.md). */
  UNSUPPORTED_OPERATION("UnsupportedOperation", 400,
      "The operation is not supported by the backend this server runs container groups on."),
  HOST_PORT_IN_USE("InvalidParameter.HostPortInUse", 400,
      "A host port the container group publishes is already published by another container group."),

  // --- operator policy (docs/pod-config.md) ------------------------------------------------------
  FORBIDDEN_HOST_PATH("Forbidden.HostPath", 403,
      "HostPathVolume is not allowed by this server's configuration."),
  FORBIDDEN_PRIVILEGED("Forbidden.Privileged", 403,
      "Privileged containers are not allowed by this server's configuration."),
  FORBIDDEN_CAPABILITY("Forbidden.Capability", 403,
      "The capability is not allowed by this server's configuration."),
  FORBIDDEN_HOST_SYSCTL("Forbidden.HostSysctl", 403,
      "Only namespaced sysctls may be set; others would change the host's kernel."),

  // --- volumes, image caches and the Kubernetes backend -----------------------------------------
  FORBIDDEN_PERSISTENT_VOLUME("Forbidden.PersistentVolume", 403,
      "DiskVolume and FlexVolume need a StorageClass, and this server's Kubernetes backend has none."),
  DUPLICATED_VOLUME_NAME("InvalidParameter.DuplicatedVolumeName", 400,
      "The container group includes volumes with duplicate names."),
  SNAPSHOT_NOT_FOUND("ImageSnapshot.NotFound", 404,
      "The specified snapshot does not exist."),
  SNAPSHOT_INCORRECT_STATUS("ImageSnapshot.IncorrectStatus", 400,
      "The specified image cache is not ready."),

  // --- commit-images: ResizeContainerGroupVolume (docs/images.md) -------------------------------
  INVALID_VOLUME_TYPE("InvalidVolumeType", 403,
      "The specified volume is not a disk volume; only disk volumes can be resized."),
  VOLUME_RESIZE_UNSUPPORTED("OperationDenied.VolumeResize", 403,
      "Disk volumes of this server have no size of their own and cannot be resized."),
  // --- seed fidelity (issue 13 item 11, docs/fidelity.md): codes of the seeds' error tables -------
  KMS_ENCRYPTED_ILLEGAL("InvalidParameter.KMS.EncryptedIllegal", 400,
      "After configuring the parameter KmsKeyId, you must enable encryption."),
  // --- data caches, ops tasks, virtual nodes (datacache-ops; docs/data-caches.md, docs/ops-tasks.md) ---
  DATA_CACHE_NOT_FOUND("DataCache.NotFound", 404,
      "The specified data cache does not exist."),
  DATA_CACHE_INCORRECT_STATUS("DataCache.IncorrectStatus", 400,
      "The specified data cache is not Available."),
  DATA_CACHE_ALREADY_EXISTS("DataCache.AlreadyExists", 400,
      "A data cache with this Bucket and Path already exists."),
  DATA_CACHE_UNSUPPORTED_SOURCE("DataCache.UnsupportedDataSource", 400,
      "This server fills data caches from URL and HostPath data sources only."),
  FORBIDDEN_DATA_CACHE_SOURCE("Forbidden.DataCacheSource", 403,
      "The data source is not allowed by this server's configuration."),
  DATA_CACHE_QUOTA_EXCEEDED("DataCache.QuotaExceeded", 403,
      "The quota of data caches is exceeded."),
  OPS_TYPE_UNSUPPORTED("Ops.TypeNotSupport", 400,
      "This server does not perform this type of ops task."),
  VIRTUAL_NODE_UNSUPPORTED("UnsupportedOperation.VirtualNode", 400,
      "A virtual node joins a Kubernetes cluster; this server does not host virtual nodes.");

  private final String code;
  private final int httpStatus;
  private final String defaultMessage;

  ErrorCode(String code, int httpStatus, String defaultMessage) {
    this.code = code;
    this.httpStatus = httpStatus;
    this.defaultMessage = defaultMessage;
  }

  /** The code string clients branch on, e.g. {@code InvalidParameter.NotFound}. */
  public String code() {
    return code;
  }

  /** The HTTP status the code is served with. */
  public int httpStatus() {
    return httpStatus;
  }

  public String defaultMessage() {
    return defaultMessage;
  }

  /** A code whose message names the parameter (and, where safe, the bad value). */
  public ApiException withMessage(String message) {
    return new ApiException(this, message);
  }

  public ApiException exception() {
    return new ApiException(this, defaultMessage);
  }

  public static ApiException missing(String parameter) {
    return new ApiException(MISSING_PARAMETER,
        "The input parameter \"" + parameter + "\" that is mandatory for processing this request is not supplied.");
  }

  public static ApiException invalid(String parameter, String why) {
    return new ApiException(INVALID_PARAMETER,
        "The specified parameter \"" + parameter + "\" is not valid: " + why);
  }
}
