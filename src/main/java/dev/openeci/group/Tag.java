package dev.openeci.group;

public record Tag(String key, String value) {}
