package dev.openeci.api.rpc;

/** What goes back on the wire. */
public record HttpReply(int status, String contentType, byte[] body) {}
