package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/aurum-energy/aurum/internal/broker"
	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/registry"
)

// embeddedAddrs are where the embedded broker and registry listen. The
// defaults are the addresses other roles fall back to; tests move them.
type embeddedAddrs struct {
	broker, registry string
}

func (a *embeddedAddrs) register(fs *flag.FlagSet) {
	fs.StringVar(&a.broker, "broker-addr", config.EmbeddedBrokerAddr, "listen address of the embedded Kafka broker")
	fs.StringVar(&a.registry, "registry-addr", config.EmbeddedRegistryAddr, "listen address of the embedded schema registry")
}

// startBroker starts the embedded Kafka broker with its state under
// dataDir and returns its address.
func startBroker(addr, dataDir string, logger *slog.Logger, cl *closers) ([]string, error) {
	b, err := broker.New(broker.Config{
		Addr:    addr,
		DataDir: filepath.Join(dataDir, "kafka"),
	}, logger)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	cl.add(b.Close)
	logger.Info("embedded Kafka broker up", slog.Any("brokers", b.Addrs()))
	return b.Addrs(), nil
}

// startRegistry starts the embedded schema registry, which keeps its
// registrations in the _schemas topic of brokers, and returns its URL.
func startRegistry(ctx context.Context, addr string, brokers []string, logger *slog.Logger, cl *closers) (string, error) {
	reg, err := registry.New(ctx, registry.Config{
		Addr:    addr,
		Brokers: brokers,
	}, logger)
	if err != nil {
		return "", fmt.Errorf("embedded schema registry: %w", err)
	}
	cl.add(func() { _ = reg.Close() })
	logger.Info("embedded schema registry up", slog.String("registry", reg.URL()))
	return reg.URL(), nil
}

func runBroker(ctx context.Context, args []string) error {
	var addrs embeddedAddrs
	inv, err := parse("broker", "Usage: aurum broker [flags]\n\n"+
		"Runs the embedded Kafka broker ("+config.EmbeddedBrokerAddr+") and schema registry ("+config.EmbeddedRegistryAddr+")\n"+
		"alone, persisted under AURUM_DATA_DIR, so the other roles can run as separate processes\n"+
		"on this machine. Then: aurum topology apply && aurum schemas register.\n", args, addrs.register)
	if err != nil {
		return err
	}
	dataDir, err := filepath.Abs(inv.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("%s: %w", config.DataDir.Env, err)
	}
	var cl closers
	defer cl.close()
	brokers, err := startBroker(addrs.broker, dataDir, inv.logger, &cl)
	if err != nil {
		return err
	}
	if _, err := startRegistry(ctx, addrs.registry, brokers, inv.logger, &cl); err != nil {
		return err
	}
	<-ctx.Done()
	inv.logger.Info("stopping the embedded broker and registry")
	return nil
}
