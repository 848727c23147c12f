package mapping

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

// Service keeps merchants' mapping profiles and runs dry runs.
type Service struct {
	Store storage.Store
	Now   func() time.Time
}

const resource = "mapping profiles"

// merchantOf checks that p may manage profiles of the merchant in parent.
func merchantOf(p access.Principal, field, parent string) (string, error) {
	if err := p.Require("manage "+resource, ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return "", err
	}
	return p.MerchantParent(field, parent, false)
}

// ParseName splits "merchants/{m}/mappingProfiles/{id}" for a caller who
// may see the merchant.
func ParseName(p access.Principal, field, name string) (merchantID, id string, err error) {
	ids, err := resname.Parse(field, name, "merchants", "*", "mappingProfiles", "*")
	if err != nil {
		return "", "", err
	}
	if !p.SeesMerchant(ids[0]) {
		return "", "", fault.NotFound(name)
	}
	return ids[0], ids[1], nil
}

// Load reads a profile inside a transaction.
func Load(tx storage.Tx, merchantID, id string) (*ewaybillv1.MappingProfile, error) {
	prof, err := tx.MappingProfiles().Get(merchantID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fault.NotFound(resname.Build("merchants", merchantID, "mappingProfiles", id))
	}
	return prof, err
}

// MaxDisplayNameLength bounds a profile's display name, in characters.
const MaxDisplayNameLength = 64

// checked validates a profile's content and returns the parts that are
// stored: display name and fields.
func checked(in *ewaybillv1.MappingProfile) (*ewaybillv1.MappingProfile, error) {
	var v fault.Violations
	display := textrule.Check(&v, "mapping_profile.display_name", in.GetDisplayName(), 1, MaxDisplayNameLength)
	if fe, ok := fault.As(CheckProfile(in)); ok {
		for _, x := range fe.Violations {
			v.Add(x.Field, x.Rule, "%s", x.Message)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	fields := make([]*ewaybillv1.FieldMapping, len(in.GetFields()))
	for i, f := range in.GetFields() {
		fields[i] = proto.Clone(f).(*ewaybillv1.FieldMapping)
	}
	return &ewaybillv1.MappingProfile{DisplayName: display, Fields: fields}, nil
}

// Create stores a new profile, version 1 (the merchant, or admin for it).
func (s *Service) Create(ctx context.Context, p access.Principal, parent string, in *ewaybillv1.MappingProfile) (*ewaybillv1.MappingProfile, error) {
	merchantID, err := merchantOf(p, "parent", parent)
	if err != nil {
		return nil, err
	}
	prof, err := checked(in)
	if err != nil {
		return nil, err
	}
	id := uuid.Must(uuid.NewV7()).String()
	now := timestamppb.New(s.Now())
	prof.Name = resname.Build("merchants", merchantID, "mappingProfiles", id)
	prof.Version, prof.CreateTime, prof.UpdateTime = 1, now, now
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		if _, err := merchants.Load(tx, merchantID); err != nil {
			return err
		}
		if err := tx.MappingProfiles().Put(merchantID, id, prof); err != nil {
			return err
		}
		return s.record(tx, p, "mapping_profile.create", merchantID, prof.GetName(), map[string]string{
			"display_name": prof.GetDisplayName(), "version": "1", "targets": strings.Join(mappedTargets(prof), ","),
		})
	})
	if err != nil {
		return nil, err
	}
	return prof, nil
}

// Get returns a profile.
func (s *Service) Get(ctx context.Context, p access.Principal, name string) (*ewaybillv1.MappingProfile, error) {
	if err := p.Require("read "+resource, ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, err
	}
	merchantID, id, err := ParseName(p, "name", name)
	if err != nil {
		return nil, err
	}
	var prof *ewaybillv1.MappingProfile
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		prof, err = Load(tx, merchantID, id)
		return err
	})
	return prof, err
}

// List lists a merchant's profiles, oldest first.
func (s *Service) List(ctx context.Context, p access.Principal, parent string, size int32, token string) ([]*ewaybillv1.MappingProfile, string, error) {
	merchantID, err := merchantOf(p, "parent", parent)
	if err != nil {
		return nil, "", err
	}
	return paging.List(ctx, s.Store, size, token, nil,
		func(tx storage.Tx, page storage.Page[*ewaybillv1.MappingProfile]) ([]*ewaybillv1.MappingProfile, string, error) {
			return tx.MappingProfiles().List(merchantID, page)
		})
}

// Update replaces a profile's display name and fields; its version goes
// up by one. Waybills keep the version they were allocated with.
func (s *Service) Update(ctx context.Context, p access.Principal, in *ewaybillv1.MappingProfile) (*ewaybillv1.MappingProfile, error) {
	if err := p.Require("change "+resource, ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, err
	}
	merchantID, id, err := ParseName(p, "mapping_profile.name", in.GetName())
	if err != nil {
		return nil, err
	}
	next, err := checked(in)
	if err != nil {
		return nil, err
	}
	var prof *ewaybillv1.MappingProfile
	err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		if prof, err = Load(tx, merchantID, id); err != nil {
			return err
		}
		details := map[string]string{"changed_targets": strings.Join(changedTargets(prof, next), ",")}
		if prof.GetDisplayName() != next.GetDisplayName() {
			details["display_name"] = next.GetDisplayName()
			details["display_name.previous"] = prof.GetDisplayName()
		}
		prof.DisplayName, prof.Fields = next.GetDisplayName(), next.GetFields()
		prof.Version++
		prof.UpdateTime = timestamppb.New(s.Now())
		if err := tx.MappingProfiles().Put(merchantID, id, prof); err != nil {
			return err
		}
		details["version"] = strconv.FormatInt(prof.GetVersion(), 10)
		return s.record(tx, p, "mapping_profile.update", merchantID, prof.GetName(), details)
	})
	return prof, err
}

// record records an admin's change of a merchant's profile. A merchant
// editing its own profiles is not an admin action and is not recorded;
// an admin changing how a merchant's orders are read is.
func (s *Service) record(tx storage.Tx, p access.Principal, action, merchantID, profile string, details map[string]string) error {
	if !p.IsAdmin() {
		return nil
	}
	return audit.Record(tx, p, &ewaybillv1.AuditEvent{
		Action:    action,
		Merchant:  resname.Build("merchants", merchantID),
		Resources: []string{profile},
		Details:   details,
	}, timestamppb.New(s.Now()))
}

// mappedTargets lists the canonical fields a profile maps, in its order.
func mappedTargets(prof *ewaybillv1.MappingProfile) []string {
	out := make([]string, 0, len(prof.GetFields()))
	for _, f := range prof.GetFields() {
		out = append(out, f.GetTarget())
	}
	return out
}

// changedTargets names, sorted, the canonical fields whose mapping an
// update adds, removes or changes: what the record of an update says
// without copying the mappings (whose fixed values may be personal data).
func changedTargets(before, after *ewaybillv1.MappingProfile) []string {
	was := map[string]*ewaybillv1.FieldMapping{}
	for _, f := range before.GetFields() {
		was[f.GetTarget()] = f
	}
	var changed []string
	for _, f := range after.GetFields() {
		if old, ok := was[f.GetTarget()]; !ok || !proto.Equal(old, f) {
			changed = append(changed, f.GetTarget())
		}
		delete(was, f.GetTarget())
	}
	for target := range was {
		changed = append(changed, target)
	}
	slices.Sort(changed)
	return slices.Compact(changed)
}

// Delete removes a profile.
func (s *Service) Delete(ctx context.Context, p access.Principal, name string) error {
	if err := p.Require("delete "+resource, ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return err
	}
	merchantID, id, err := ParseName(p, "name", name)
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx storage.Tx) error {
		err := tx.MappingProfiles().Delete(merchantID, id)
		if errors.Is(err, storage.ErrNotFound) {
			return fault.NotFound(name)
		}
		if err != nil {
			return err
		}
		return s.record(tx, p, "mapping_profile.delete", merchantID, resname.Build("merchants", merchantID, "mappingProfiles", id), nil)
	})
}
