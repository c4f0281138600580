package config

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"postgres userinfo", "postgres://aurum:s3cret@db:5432/aurum?sslmode=require", "postgres://aurum:xxxxx@db:5432/aurum?sslmode=require"},
		{"postgres password parameter", "postgres://aurum@db/aurum?password=s3cret&sslmode=require", "postgres://aurum@db/aurum?password=xxxxx&sslmode=require"},
		{"postgres sslpassword parameter", "postgres://db/aurum?sslpassword=s3cret", "postgres://db/aurum?sslpassword=xxxxx"},
		{"keyword DSN", "host=db user=aurum password=s3cret dbname=aurum", "host=db user=aurum password=xxxxx dbname=aurum"},
		{"keyword DSN, quoted", "host=db password = 'se cr\\'et' dbname=aurum", "host=db password=xxxxx dbname=aurum"},
		{"redis password only", "redis://:s3cret@cache:6379/0", "redis://:xxxxx@cache:6379/0"},
		{"redis user and password", "rediss://default:s3cret@cache:6380", "rediss://default:xxxxx@cache:6380"},
		{"registry basic auth", "https://key:s3cret@registry.example", "https://key:xxxxx@registry.example"},
		{"unparseable URL", "redis://u:s3cret%zz@cache:6379", "redis://xxxxx@cache:6379"},
		{"no credentials", "postgres://aurum@127.0.0.1:5432/aurum?sslmode=disable", "postgres://aurum@127.0.0.1:5432/aurum?sslmode=disable"},
		{"embedded registry", "http://127.0.0.1:8081", "http://127.0.0.1:8081"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := RedactURL(tc.raw); got != tc.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

// TestBadURLsDoNotShowTheirPassword: the start-up error naming a bad
// setting quotes its value without the password.
func TestBadURLsDoNotShowTheirPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, env, value string }{
		{"redis", "AURUM_REDIS_URL", "redis://:s3cret@cache:port/0"},
		{"redis scheme", "AURUM_REDIS_URL", "http://:s3cret@cache"},
		{"database", "AURUM_DATABASE_URL", "postgres://aurum:s3cret@db:port/aurum"},
		{"registry", "AURUM_SCHEMA_REGISTRY_URL", "ftp://key:s3cret@registry"},
		{"registry unparseable", "AURUM_SCHEMA_REGISTRY_URL", "https://key:s3cret@registry:port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, map[string]string{tc.env: tc.value})
			if err == nil || !strings.Contains(err.Error(), tc.env) || strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error %v: want one naming %s without the password", err, tc.env)
			}
		})
	}
}
