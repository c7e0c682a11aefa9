/** Whether `url` answers 200 with a body `expect` accepts, within 1 s. */
export async function httpAnswers(
  url: string,
  expect: (body: string) => boolean,
): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok && expect(await response.text());
  } catch {
    return false;
  }
}
