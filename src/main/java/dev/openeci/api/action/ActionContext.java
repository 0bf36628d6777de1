package dev.openeci.api.action;

import dev.openeci.api.rpc.ParamReader;

/**
 * What a handler gets: the request id, the caller's account, the region the request targets
 * (RegionId or the server default) and the request parameters.
 */
public record ActionContext(String requestId, String accountId, String regionId, ParamReader params) {}
