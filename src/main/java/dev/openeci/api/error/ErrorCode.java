package dev.openeci.api.error;

/**
 * One entry of the ECI error vocabulary: the code string clients branch on, the HTTP status it is
 * served with, and the default message. Only {@code api.rpc} turns these into the wire envelope.
 *
 * <p>Codes and statuses follow the documented ECI/POP gateway values (see docs/errors.md).
 */
public record ErrorCode(String code, int httpStatus, String defaultMessage) {

  // --- gateway / protocol --------------------------------------------------------------------
  public static final ErrorCode INVALID_ACTION_NOT_FOUND = new ErrorCode("InvalidAction.NotFound", 404,
      "Specified api is not found, please check your url and method.");
  public static final ErrorCode INVALID_VERSION = new ErrorCode("InvalidVersion", 400,
      "Specified parameter Version is not valid.");
  public static final ErrorCode MISSING_PARAMETER = new ErrorCode("MissingParameter", 400,
      "The input parameter that is mandatory for processing this request is not supplied.");
  public static final ErrorCode INVALID_PARAMETER = new ErrorCode("InvalidParameter", 400,
      "The specified parameter is not valid.");
  public static final ErrorCode UNSUPPORTED_HTTP_METHOD = new ErrorCode("UnsupportedHTTPMethod", 400,
      "This http method is not supported.");
  public static final ErrorCode INVALID_REGION_ID = new ErrorCode("InvalidRegionId", 400,
      "The specified RegionId does not exist.");
  public static final ErrorCode INTERNAL_ERROR = new ErrorCode("InternalError", 500,
      "The request processing has failed due to some unknown error.");
  public static final ErrorCode SERVICE_UNAVAILABLE = new ErrorCode("ServiceUnavailable", 503,
      "The request has failed due to a temporary failure of the server.");
  public static final ErrorCode THROTTLING = new ErrorCode("Throttling", 400,
      "Request was denied due to request throttling.");
  public static final ErrorCode THROTTLING_USER = new ErrorCode("Throttling.User", 400,
      "Request was denied due to user flow control.");
  public static final ErrorCode REQUEST_TOO_LARGE = new ErrorCode("RequestEntityTooLarge", 413,
      "The request is larger than this server accepts.");
  public static final ErrorCode REQUEST_TIMEOUT = new ErrorCode("RequestTimeout", 408,
      "The request was not received in time.");
  public static final ErrorCode BAD_REQUEST = new ErrorCode("BadRequest", 400,
      "The HTTP request is malformed.");

  // --- authentication --------------------------------------------------------------------------
  public static final ErrorCode MISSING_SIGNATURE = new ErrorCode("IncompleteSignature", 400,
      "The request signature does not conform to Aliyun standards.");
  public static final ErrorCode SIGNATURE_DOES_NOT_MATCH = new ErrorCode("SignatureDoesNotMatch", 400,
      "Specified signature is not matched with our calculation.");
  public static final ErrorCode INVALID_ACCESS_KEY_ID_NOT_FOUND = new ErrorCode("InvalidAccessKeyId.NotFound",
      404, "Specified access key is not found.");
  public static final ErrorCode INVALID_TIMESTAMP_EXPIRED = new ErrorCode("InvalidTimeStamp.Expired", 400,
      "Specified time stamp or date value is expired.");
  public static final ErrorCode INVALID_TIMESTAMP_FORMAT = new ErrorCode("InvalidTimeStamp.Format", 400,
      "Specified time stamp or date value is not well formatted.");
  public static final ErrorCode SIGNATURE_NONCE_USED = new ErrorCode("SignatureNonceUsed", 400,
      "Specified signature nonce was used already.");
  public static final ErrorCode INVALID_SIGNATURE_METHOD = new ErrorCode("InvalidSignatureMethod", 400,
      "Specified signature method is not supported.");
  public static final ErrorCode FORBIDDEN = new ErrorCode("Forbidden.RAM", 403,
      "User not authorized to operate on the specified resource.");

  // --- ECI resource errors -----------------------------------------------------------------------
  public static final ErrorCode CONTAINER_GROUP_NOT_FOUND = new ErrorCode("InvalidParameter.NotFound", 404,
      "The specified container group is not found.");
  public static final ErrorCode INCORRECT_STATUS = new ErrorCode("IncorrectStatus", 400,
      "The current status of the resource does not support this operation.");
  public static final ErrorCode OPERATION_CONFLICT = new ErrorCode("OperationConflict", 400,
      "Request was denied due to conflict with a previous request.");
  public static final ErrorCode IDEMPOTENT_PARAMETER_MISMATCH = new ErrorCode("IdempotentParameterMismatch", 400,
      "The request uses the same client token as a previous, but non-identical request.");
  public static final ErrorCode DUPLICATED_NAME = new ErrorCode("InvalidParameter.DuplicatedName", 400,
      "The container group include containers with duplicate names.");
  public static final ErrorCode CPU_MEMORY = new ErrorCode("InvalidParameter.CPU.Memory", 400,
      "The specified cpu and memory are not allowed");
  public static final ErrorCode NO_NEED_UPDATE = new ErrorCode("NoNeedUpdate", 400,
      "There are no changes to be updated for current resource.");
  public static final ErrorCode DRY_RUN_SUCCESS = new ErrorCode("DryRun.Success", 400,
      "This request is a dryrun request with successful result.");
  public static final ErrorCode QUOTA_EXCEEDED = new ErrorCode("QuotaExceeded", 403,
      "The quota of container groups is exceeded.");

  /** The action has no meaning on the backend this server runs groups on (docs/kubernetes.md). */
  public static final ErrorCode UNSUPPORTED_OPERATION = new ErrorCode("UnsupportedOperation", 400,
      "The operation is not supported by the backend this server runs container groups on.");
  public static final ErrorCode HOST_PORT_IN_USE = new ErrorCode("InvalidParameter.HostPortInUse", 400,
      "A host port the container group publishes is already published by another container group.");

  // --- operator policy (docs/pod-config.md) ------------------------------------------------------
  public static final ErrorCode FORBIDDEN_HOST_PATH = new ErrorCode("Forbidden.HostPath", 403,
      "HostPathVolume is not allowed by this server's configuration.");
  public static final ErrorCode FORBIDDEN_PRIVILEGED = new ErrorCode("Forbidden.Privileged", 403,
      "Privileged containers are not allowed by this server's configuration.");
  public static final ErrorCode FORBIDDEN_CAPABILITY = new ErrorCode("Forbidden.Capability", 403,
      "The capability is not allowed by this server's configuration.");
  public static final ErrorCode FORBIDDEN_HOST_SYSCTL = new ErrorCode("Forbidden.HostSysctl", 403,
      "Only namespaced sysctls may be set; others would change the host's kernel.");

  /** A code whose message names the parameter (and, where safe, the bad value). */
  public ApiException withMessage(String message) {
    return new ApiException(this, message);
  }

  public ApiException exception() {
    return new ApiException(this, defaultMessage);
  }

  public static ApiException missing(String parameter) {
    return new ApiException(new ErrorCode("MissingParameter", 400, ""),
        "The input parameter \"" + parameter + "\" that is mandatory for processing this request is not supplied.");
  }

  public static ApiException invalid(String parameter, String why) {
    return new ApiException(INVALID_PARAMETER,
        "The specified parameter \"" + parameter + "\" is not valid: " + why);
  }
}
