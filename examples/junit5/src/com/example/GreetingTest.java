package com.example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GreetingTest {
  @Test
  void usesTheEnvironment() {
    String greeting = System.getenv().getOrDefault("GREETING", "hello");
    System.out.println("greeting: " + greeting);
    assertTrue(greeting.startsWith("hello"));
  }
}
