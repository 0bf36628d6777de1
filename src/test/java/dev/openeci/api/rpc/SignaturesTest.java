package dev.openeci.api.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Known answers from docs/protocol.md (worked examples captured from the official SDKs). */
class SignaturesTest {

  @Test
  void v1JavaTeaLeavesEmptyValuesOutOfTheStringToSign() {
    String raw = "Action=DescribeContainerGroups&NextToken=&Timestamp=2026-11-22T10%3A59%3A39Z"
        + "&ContainerGroupName=harness-life-tea-v1-959930&SignatureVersion=1.0&Format=json"
        + "&SignatureNonce=f8ebf1425a43d20ee4e90556388b9066&Version=2018-08-08&AccessKeyId=testak"
        + "&Signature=3McsJPowufrkAQJa9Khe8HgBX5w%3D&SignatureMethod=HMAC-SHA1&RegionId=cn-hangzhou&Limit=20";
    RequestParameters p = RequestParameters.parse(new RpcRequest("POST", "/", raw, Map.of(), new byte[0]));
    String sts = Signatures.v1StringToSign("POST", p.pairs(), true);
    assertThat(sts).isEqualTo("POST&%2F&AccessKeyId%3Dtestak%26Action%3DDescribeContainerGroups"
        + "%26ContainerGroupName%3Dharness-life-tea-v1-959930%26Format%3Djson%26Limit%3D20%26RegionId%3Dcn-hangzhou"
        + "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Df8ebf1425a43d20ee4e90556388b9066"
        + "%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-22T10%253A59%253A39Z%26Version%3D2018-08-08");
    assertThat(Signatures.v1Sign("testsecret", sts)).isEqualTo("3McsJPowufrkAQJa9Khe8HgBX5w=");
    assertThat(Signatures.v1StringToSign("POST", p.pairs(), false)).contains("%26NextToken%3D%26");
  }

  @Test
  void v3CanonicalRequestStringToSignAndSignature() {
    String raw = "NextToken=&RegionId=cn-hangzhou&Limit=20&ContainerGroupName=harness-life-tea-v3-e076ae";
    RequestParameters p = RequestParameters.parse(new RpcRequest("POST", "/", raw, Map.of(), new byte[0]));
    Map<String, String> headers = Map.of("host", "127.0.0.1:38080", "x-acs-action", "DescribeContainerGroups",
        "x-acs-content-sha256", Signatures.EMPTY_SHA256, "x-acs-credentials-provider", "static_ak",
        "x-acs-date", "2026-11-22T10:59:37Z", "x-acs-signature-nonce", "80d97d9455beab65af3928398cf76049",
        "x-acs-version", "2018-08-08");
    List<String> signed = List.of("host", "x-acs-action", "x-acs-content-sha256", "x-acs-credentials-provider",
        "x-acs-date", "x-acs-signature-nonce", "x-acs-version");
    String canonical = Signatures.v3CanonicalRequest("POST", "/", p.pairs(), headers, signed, Signatures.EMPTY_SHA256);
    assertThat(canonical).isEqualTo("POST\n/\n"
        + "ContainerGroupName=harness-life-tea-v3-e076ae&Limit=20&NextToken=&RegionId=cn-hangzhou\n"
        + "host:127.0.0.1:38080\nx-acs-action:DescribeContainerGroups\nx-acs-content-sha256:" + Signatures.EMPTY_SHA256
        + "\nx-acs-credentials-provider:static_ak\nx-acs-date:2026-11-22T10:59:37Z\n"
        + "x-acs-signature-nonce:80d97d9455beab65af3928398cf76049\nx-acs-version:2018-08-08\n\n"
        + String.join(";", signed) + "\n" + Signatures.EMPTY_SHA256);
    String sts = Signatures.v3StringToSign(canonical);
    assertThat(sts).isEqualTo("ACS3-HMAC-SHA256\nc2634eb5403885374f510be654068d860cefc6b02af85dfdee8e9f055b5b5655");
    assertThat(Signatures.v3Sign("testsecret", sts))
        .isEqualTo("20d3e9d2482f42a711aac54ed42aead6d426c5f7118abfacafcb04cdead3f792");
  }

  @Test
  void authorizationFieldsParseInAnyOrder() {
    var a = Signatures.V3Authorization.parse(
        "ACS3-HMAC-SHA256 Credential=ak,Signature=abc, SignedHeaders=content-type;x-acs-date");
    assertThat(a.credential()).isEqualTo("ak");
    assertThat(a.signature()).isEqualTo("abc");
    assertThat(a.signedHeaders()).containsExactly("content-type", "x-acs-date");
    assertThat(Signatures.V3Authorization.parse("ACS3-HMAC-SHA256 Credential=ak")).isNull();
  }

  @Test
  void percentEncodingKeepsOnlyUnreservedCharacters() {
    assertThat(Pct.encode("a=b&c d*~+/é:%")).isEqualTo("a%3Db%26c%20d%2A~%2B%2F%C3%A9%3A%25");
    assertThat(Pct.encode("AZaz09-_.~")).isEqualTo("AZaz09-_.~");
  }

  @Test
  void reusedPerThreadDigestsGiveTheSameResultsAsFreshOnes() throws Exception {
    String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      java.util.List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            assertThat(Signatures.sha256Hex(new byte[0])).isEqualTo(Signatures.EMPTY_SHA256);
            assertThat(Signatures.sha256Hex("abc".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(abc);
            // RFC 2202 / RFC 4231 test case 2 ("Jefe"); keys alternate, so a stale key would show
            assertThat(Signatures.v3Sign("Jefe", "what do ya want for nothing?"))
                .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
            assertThat(Signatures.v1Sign("other", "x")).isEqualTo(Signatures.v1Sign("other", "x"));
            assertThat(java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(
                Signatures.v1Sign("Jef", "what do ya want for nothing?")))).hasSize(40);
          }
          return null;
        }));
      }
      for (var f : fs) f.get();
    } finally {
      pool.shutdown();
    }
  }
}
