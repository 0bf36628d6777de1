package dev.openeci.api.rpc;

import java.util.Optional;

/** Where AccessKey pairs come from. */
@FunctionalInterface
public interface CredentialStore {
  Optional<Credential> find(String accessKeyId);

  /** An AccessKey pair and the account it belongs to; {@link #toString()} hides the secret. */
  record Credential(String accessKeyId, String secret, String accountId) {
    @Override
    public String toString() {
      return "Credential[" + accessKeyId + ", account=" + accountId + ", secret=***]";
    }
  }
}
