package subscriber_test

import (
	"context"
	"fmt"
	"os"

	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/subscriber"
)

// Following one run: every state change of it, in order, as `aurum runs
// watch --run` prints them; Run returns after the run's terminal event.
// brokers are the cluster's seed brokers and decoder reads the registry's
// Avro (here the in-process cluster of the package's tests).
func Example() {
	sub, err := subscriber.New(subscriber.Config{
		Brokers: brokers,
		RunID:   "b0000000-0000-4000-8000-00000000000b",
	}, subscriber.Deps{Decoder: decoder})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := sub.Run(context.Background(), subscriber.WriteText(os.Stdout)); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 2026-05-04T09:30:02.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=QUEUED attempt=1
	// 2026-05-04T09:30:04.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=RUNNING attempt=1 progress=0%
	// 2026-05-04T09:30:06.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=FAILED attempt=1 error="no base curves for 2026-05-01"
}

// Following one tenant's completions with a Handler of one's own, as a
// risk system does before it fetches a run's outputs
// (GET /v1/runs/{run_id}/outputs). Completions come from every partition,
// so runs arrive in no set order; cancelling the context stops Run.
func Example_tenant() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub, err := subscriber.New(subscriber.Config{
		Brokers:       brokers,
		Tenant:        "acme",
		FromBeginning: true,
	}, subscriber.Deps{Decoder: decoder})
	if err != nil {
		fmt.Println(err)
		return
	}
	completed := 0
	err = sub.Run(ctx, func(_ context.Context, ev schemas.RunEvent) error {
		fmt.Println(ev.RunID, ev.State)
		if completed++; completed == 2 {
			cancel()
		}
		return nil
	})
	fmt.Println(err)
	// Unordered output:
	// a0000000-0000-4000-8000-00000000000a SUCCEEDED
	// c0000000-0000-4000-8000-00000000000c CANCELLED
	// context canceled
}
