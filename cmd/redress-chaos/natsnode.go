package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsNode runs one node of the chaos run's NATS cluster in this process:
// a real nats-server with JetStream, clustered by routes with the others.
// It is a process of its own so that the run can kill it with SIGKILL.
func natsNode(args []string) error {
	fs := flag.NewFlagSet("nats-node", flag.ContinueOnError)
	name := fs.String("name", "", "server name")
	port := fs.Int("port", 0, "client port")
	clusterPort := fs.Int("cluster-port", 0, "route port")
	monitorPort := fs.Int("monitor-port", 0, "HTTP monitoring port (/healthz)")
	routes := fs.String("routes", "", "comma-separated route URLs of every node")
	store := fs.String("store", "", "JetStream store directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := &server.Options{
		ServerName: *name,
		Host:       "127.0.0.1",
		Port:       *port,
		HTTPHost:   "127.0.0.1",
		HTTPPort:   *monitorPort,
		JetStream:  true,
		StoreDir:   *store,
		Cluster: server.ClusterOpts{
			Name: "redress-chaos",
			Host: "127.0.0.1",
			Port: *clusterPort,
		},
		Routes: server.RoutesFromStr(*routes),
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return err
	}
	s.ConfigureLogger()
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		return fmt.Errorf("%s not ready for connections after 30s", *name)
	}
	s.WaitForShutdown()
	return nil
}
