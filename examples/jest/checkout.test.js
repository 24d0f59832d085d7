// Jest retries this file's failing tests once; a test that passes on its retry is flaky.
jest.retryTimes(1);

let attempts = 0;

test('places an order @smoke', () => {
  expect(process.env.CHECKOUT_CURRENCY ?? 'EUR').toMatch(/^[A-Z]{3}$/);
});

test('reaches the payment service on the second try', () => {
  attempts += 1;
  console.log(`payment attempt ${attempts}`);
  expect(attempts).toBe(2);
});
