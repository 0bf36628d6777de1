package dev.openeci.runtime;

/** Label keys put on every engine object openeci creates. */
public final class Labels {
  private Labels() {}

  /** Present (value "true") on everything openeci manages; the relist filter. */
  public static final String MANAGED = "openeci.managed";
  /**
   * The openeci instance (one per data directory) that owns the object. Lists, events and garbage
   * collection filter on it, so two openeci servers sharing one engine never touch each other's
   * containers.
   */
  public static final String OWNER = "openeci.owner";
  /** The container group id, e.g. {@code eci-2ze8f3k1x9q0w7v5m4n1}. */
  public static final String GROUP_ID = "openeci.group-id";
  /** "sandbox", "init" or "app". */
  public static final String ROLE = "openeci.role";
  /** The ECI container name (absent on the sandbox). */
  public static final String CONTAINER_NAME = "openeci.container-name";
  /** Which run of this container this engine container is: 0 for the first, +1 per restart. */
  public static final String ATTEMPT = "openeci.attempt";
  /** The spec version the container was created from. */
  public static final String SPEC_VERSION = "openeci.spec-version";
  /** Hash of the container's spec, to detect changed containers without reading the spec. */
  public static final String SPEC_HASH = "openeci.spec-hash";
  /** On app containers: hash of the init containers they were started after (a change restarts the group). */
  public static final String INIT_HASH = "openeci.init-hash";
  /** On the sandbox: hash of volumes, DNS, network and pod security (a change recreates the sandbox). */
  public static final String SANDBOX_HASH = "openeci.sandbox-hash";

  public static final String ROLE_SANDBOX = "sandbox";
  public static final String ROLE_INIT = "init";
  public static final String ROLE_APP = "app";
}
