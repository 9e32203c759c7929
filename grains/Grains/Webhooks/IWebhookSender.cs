namespace GridServer.Grains.Webhooks;

/// <summary>The outcome of one attempt: delivered (a 2xx answer), or the error a dead letter would keep.</summary>
public sealed record WebhookAttempt(bool Delivered, int? StatusCode, string? Error)
{
    public static WebhookAttempt Ok(int status) => new(true, status, null);

    public static WebhookAttempt Failed(string error, int? status = null) => new(false, status, error);
}

/// <summary>
/// Posts one webhook body. The silo's implementation uses HTTP (IHttpClientFactory) with a timeout per attempt and
/// checks the addresses it connects to; tests may give another. It never throws for a failed delivery: a
/// failure is a <see cref="WebhookAttempt"/> with an error.
/// </summary>
public interface IWebhookSender
{
    /// <param name="url">The target's URL, checked when it was set.</param>
    /// <param name="body">The JSON body, UTF-8.</param>
    /// <param name="signature">The signature header's value, or null for an unsigned target.</param>
    /// <param name="deliveryId">The id of this attempt's message, sent as a header so receivers may de-duplicate.</param>
    Task<WebhookAttempt> SendAsync(Uri url, ReadOnlyMemory<byte> body, string? signature, string deliveryId, CancellationToken cancellationToken);
}
