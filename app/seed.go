package app

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

//go:embed demo_org.yaml
var demoOrg []byte

// DemoOrganisation is the sample organisation of the demo: units with
// leads, members and deputies.
func DemoOrganisation() (records.Organisation, error) {
	var org records.Organisation
	dec := yaml.NewDecoder(strings.NewReader(string(demoOrg)))
	dec.KnownFields(true)
	if err := dec.Decode(&org); err != nil {
		return org, fmt.Errorf("demo organisation: %w", err)
	}
	return org, nil
}

// DemoFileTitle is the title of the file the demo opens first; the sample
// letters quote its number.
const DemoFileTitle = "Bauvoranfrage Mustermann, Lindenallee 12"

// SeedDemo gives an empty records store what the demo needs: the sample
// file plan, the sample organisation and one open file (63.01.02-0001/2026
// in the default layout) that the sample letters refer to. A store that
// already has a plan or units is left alone.
func SeedDemo(ctx context.Context, s store.Store, numbers records.FileNumberFormat) (records.File, error) {
	plan, err := s.FilePlan(ctx)
	if err != nil {
		return records.File{}, err
	}
	if len(plan.Nodes) == 0 {
		if plan, err = records.ParsePlanYAML(records.SampleFilePlanYAML()); err != nil {
			return records.File{}, err
		}
		if err := s.ReplaceFilePlan(ctx, plan); err != nil {
			return records.File{}, err
		}
	}
	org, err := s.Organisation(ctx)
	if err != nil {
		return records.File{}, err
	}
	if len(org.Units) == 0 {
		if org, err = DemoOrganisation(); err != nil {
			return records.File{}, err
		}
		if err := s.ReplaceOrganisation(ctx, org); err != nil {
			return records.File{}, err
		}
	}
	f, _, err := s.CreateFile(ctx, records.NewFile{
		PlanCode: "63.01.02", Title: DemoFileTitle, CreatedBy: "g.richter", Key: "demo/first-file",
		CreatedAt: time.Date(2026, 10, 12, 9, 0, 0, 0, records.RegisterLocation),
	}, numbers)
	return f, err
}
