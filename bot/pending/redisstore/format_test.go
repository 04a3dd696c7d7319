package redisstore_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore"
	"github.com/incidentbot/incidentbot/bot/pending/redisstore/redistest"
)

// jsonRecord is a record as versions before the packed format stored it.
func jsonRecord(token string, expires time.Time) string {
	return fmt.Sprintf(`{"v":1,"w":["delete","909494e3-558e-46b6-a9eb-07a8e18ca62f","inc-2"],"rq":["slack","U-ALICE","alice"],`+
		`"ch":"C-WAR","m":"https://hooks.slack.com/actions/T0/1/abc","n":2,"ca":%d,"ea":%d,"s":0}`, t0.UnixNano(), expires.UnixNano())
}

// storeAsOlderVersion writes a JSON record and its places, as a replica
// of an older version does.
func storeAsOlderVersion(t *testing.T, c redis.UniversalClient, p, token string, expires time.Time) {
	t.Helper()
	tag := "{" + p + "}"
	if err := c.Set(ctx, tag+":r:"+token, jsonRecord(token, expires), time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	c.ZAdd(ctx, tag+":due", redis.Z{Score: float64(expires.UnixMicro()), Member: token})
	c.ZAdd(ctx, tag+":u:slack:U-ALICE", redis.Z{Score: float64(expires.UnixMicro()), Member: token})
}

// In a fleet mid-upgrade, a record an older replica stored as JSON is read,
// confirmed (from what the clicking replica read, whose packed encoding
// differs from the stored JSON) and expired by this version, which writes
// it back packed.
func TestARecordStoredAsJSONByAnOlderVersionIsReadConfirmedAndExpired(t *testing.T) {
	c := client(t, redistest.Start(t))
	p := prefix()
	s := redisstore.New(c, p)
	storeAsOlderVersion(t, c, p, "tok-json-1", t0.Add(time.Minute))
	storeAsOlderVersion(t, c, p, "tok-json-2", t0.Add(time.Minute))

	got, err := s.Get(ctx, "tok-json-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"delete", "909494e3-558e-46b6-a9eb-07a8e18ca62f", "inc-2"}
	if !reflect.DeepEqual(got.Words, want) || got.Requester != alice || got.Count != 2 || !got.ExpiresAt.Equal(t0.Add(time.Minute)) || got.State != pending.Pending {
		t.Fatalf("read %+v", got)
	}
	m := confirm(alice, t0.Add(time.Second))
	m.Seen = &got
	moved, err := s.Settle(ctx, "tok-json-1", m)
	if err != nil || moved.State != pending.Confirmed {
		t.Fatalf("confirm of a JSON record: %v, %v", moved.State, err)
	}
	if body := c.Get(ctx, "{"+p+"}:r:tok-json-1").Val(); strings.HasPrefix(body, "{") {
		t.Fatalf("the confirmed record was written back as JSON: %q", body)
	}
	if again, err := s.Get(ctx, "tok-json-1"); err != nil || again.State != pending.Confirmed || !reflect.DeepEqual(again.Words, want) || again.ConfirmedBy != alice {
		t.Fatalf("read back after confirm: %+v, %v", again, err)
	}

	expired, err := s.Expire(ctx, t0.Add(time.Minute), 10)
	if err != nil || len(expired) != 1 || expired[0].Token != "tok-json-2" || !reflect.DeepEqual(expired[0].Words, want) {
		t.Fatalf("Expire of a JSON record: %+v, %v", expired, err)
	}
}

// A confirmation of 50 UUIDs takes under 1,000 bytes in Redis (as JSON it
// took about 2,600), and reads back exactly, upper-case UUIDs included.
func TestAConfirmationOf50UUIDsIsStoredCompactly(t *testing.T) {
	c := client(t, redistest.Start(t))
	p := prefix()
	s := redisstore.New(c, p)
	r := rec(alice, time.Minute)
	r.Words = []string{"delete"}
	for i := range 50 {
		id := fmt.Sprintf("909494e3-558e-46b6-a9eb-07a8e18ca6%02x", i)
		if i%10 == 0 {
			id = strings.ToUpper(id)
		}
		r.Words = append(r.Words, id)
	}
	r.Count = 50
	if err := s.Put(ctx, r, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	if n := c.StrLen(ctx, "{"+p+"}:r:"+r.Token).Val(); n > 1000 {
		t.Fatalf("the record takes %d bytes", n)
	}
	got, err := s.Get(ctx, r.Token)
	if err != nil || !reflect.DeepEqual(got.Words, r.Words) || got.Requester != r.Requester || got.Message != r.Message || got.Channel != r.Channel ||
		!got.CreatedAt.Equal(r.CreatedAt) || !got.ExpiresAt.Equal(r.ExpiresAt) || got.Count != 50 {
		t.Fatalf("read back %+v, %v", got, err)
	}
}

// A record that cannot be read (cut short, corrupt, or from a newer
// format) is an error for its click and its sweep, never a panic or a
// record made up of what could be read.
func TestACorruptRecordIsAnErrorNotAGuess(t *testing.T) {
	c := client(t, redistest.Start(t))
	p := prefix()
	s := redisstore.New(c, p)
	r := rec(alice, time.Minute)
	if err := s.Put(ctx, r, pending.Limits{}); err != nil {
		t.Fatal(err)
	}
	key := "{" + p + "}:r:" + r.Token
	body := c.Get(ctx, key).Val()
	for _, bad := range []string{body[:len(body)-1], body + "x", "\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "\x02", `{"v":9}`, "\x07junk"} {
		c.Set(ctx, key, bad, time.Hour)
		if got, err := s.Get(ctx, r.Token); err == nil || !strings.Contains(err.Error(), "cannot be read") {
			t.Fatalf("body %q: %+v, %v", bad, got, err)
		}
		if _, err := s.Settle(ctx, r.Token, confirm(alice, t0.Add(time.Second))); err == nil {
			t.Fatalf("body %q: a confirm went through", bad)
		}
	}
	if _, err := s.Expire(ctx, t0.Add(time.Minute), 10); err == nil {
		t.Fatal("a sweep over an unreadable record reported nothing")
	}
}
