package dev.openeci.e2e;

import com.aliyun.tea.TeaException;
import com.aliyun.teaopenapi.Client;
import com.aliyun.teaopenapi.models.Config;
import com.aliyun.teaopenapi.models.OpenApiRequest;
import com.aliyun.teaopenapi.models.Params;
import com.aliyun.teautil.models.RuntimeOptions;
import java.util.Map;

/**
 * The official Tea client, called exactly as the generated ECI client (eci20180808) calls it:
 * {@code callApi} with its Params (RPC, POST, formData, json). {@code v1=true} switches the SDK to
 * the RPC HMAC-SHA1 signature ("v2" in the SDK's words); otherwise ACS3-HMAC-SHA256.
 */
final class EciClients {
  private EciClients() {}

  static Client tea(String endpoint, String keyId, String secret, boolean v1) throws Exception {
    Config config = new Config().setAccessKeyId(keyId).setAccessKeySecret(secret).setEndpoint(endpoint)
        .setProtocol("HTTP").setRegionId("cn-hangzhou").setReadTimeout(30_000).setConnectTimeout(5_000);
    if (v1) config.setSignatureAlgorithm("v2");
    return new Client(config);
  }

  /** Calls an action; returns the parsed JSON body. Errors surface as {@link TeaException}. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> call(Client client, String action, Map<String, ?> query) throws Exception {
    Params params = new Params().setAction(action).setVersion("2018-08-08").setProtocol("HTTP").setPathname("/")
        .setMethod("POST").setAuthType("AK").setStyle("RPC").setReqBodyType("formData").setBodyType("json");
    OpenApiRequest request = new OpenApiRequest().setQuery(com.aliyun.openapiutil.Client.query(query));
    Map<String, ?> response = client.callApi(params, request, new RuntimeOptions());
    return (Map<String, Object>) response.get("body");
  }
}
