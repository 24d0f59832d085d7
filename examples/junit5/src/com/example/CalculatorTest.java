package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CalculatorTest {
  private final Calculator calculator = new Calculator();

  @Test
  void addsTwoNumbers() {
    assertEquals(3, calculator.add(1, 2));
  }

  @Test
  @DisplayName("divides by zero (fails on purpose)")
  void dividesByZero() {
    assertEquals(0, calculator.divide(1, 0));
  }

  @Test
  @Disabled("not implemented yet")
  void roundsHalfToEven() {}

  @ParameterizedTest
  @CsvSource({"1, 2, 3", "2, 2, 5"})
  void sums(int a, int b, int total) {
    assertEquals(total, calculator.add(a, b));
  }

  @ParameterizedTest
  @CsvSource({"proctor, PROCTOR"})
  void upperCases(String word, String expected) {
    assertEquals(expected, word.toUpperCase());
  }

  @Nested
  class WhenDividing {
    @Test
    void rejectsZero() {
      assertThrows(ArithmeticException.class, () -> calculator.divide(1, 0));
    }
  }
}
