/** The configuration example of the original servo-webhooks README, exactly as written there. */
export const SEED_YAML = `webhooks:
  - name: my_measure_handler # Optional. Name of the webhook.
    description: Store measurement info into Elastic Search. # Optional: Textual description of the webhook
    events:
      - after:measure # Required. Format: \`(before|after):[EVENT_NAME]\`
    url: https://example.com/webhooks # Required. Format: [URL]
    secret: s3cr3t # Required. Secret value for computing webhook signatures
    headers: # Optional, Dict[str, str]
      - name: x-some-header
        value: some value
    backoff: # Optional. Setting to \`false\` disables retries.
      max_tries: 3
      max_time: 5m
`;
