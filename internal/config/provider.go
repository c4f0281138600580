package config

import "strings"

// Provider is the settings of the provider of a collector source
// (docs/CONTRACTS.md#collectors-and-curve-files), which the source's own
// package does not read: each source has a pair of variables named after
// it (ProviderSettings), so they are not in All.
type Provider struct {
	// BaseURL replaces the provider's real URL when not empty (a replay,
	// a proxy, credentials in the URL for ISO-NE).
	BaseURL string
	// APIKey is the provider's key; empty for a provider that needs none.
	APIKey string
}

// ProviderSettings names the settings of source's provider:
// AURUM_FRED_BASE_URL and AURUM_FRED_API_KEY for fred.
func ProviderSettings(source string) (baseURL, apiKey Setting) {
	env := "AURUM_" + strings.ToUpper(source) + "_"
	return Setting{Env: env + "BASE_URL", Usage: source + " provider base URL (empty: the provider's real URL)"},
		Setting{Env: env + "API_KEY", Usage: source + " provider API key"}
}

// Provider returns the settings of source's provider from the environment
// Load read.
func (c Config) Provider(source string) Provider {
	if c.getenv == nil {
		return Provider{}
	}
	baseURL, apiKey := ProviderSettings(source)
	return Provider{BaseURL: c.getenv(baseURL.Env), APIKey: c.getenv(apiKey.Env)}
}
