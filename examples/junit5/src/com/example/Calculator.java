package com.example;

/** A tiny calculator for the example tests. */
public final class Calculator {
  public int add(int a, int b) {
    return a + b;
  }

  public int divide(int a, int b) {
    return a / b;
  }
}
