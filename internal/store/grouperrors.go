package store

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// GroupErrors keeps the error codes publishers add to their groups.
type GroupErrors interface {
	// CreateGroupError adds e to the group e.GroupID, validated against
	// the group's dialect (model.GroupError.Validate). A code the group
	// already has is errcode.RecordConflict; a group with
	// model.MaxGroupErrors codes refuses another with
	// errcode.ParamValueInvalid. A group's codes are kept when its
	// dialect changes; the snapshot leaves out those that no longer fit.
	CreateGroupError(ctx context.Context, e model.GroupError) (model.GroupError, error)
	// ListGroupErrors returns a group's codes in creation order.
	ListGroupErrors(ctx context.Context, groupID string) ([]model.GroupError, error)
	// DeleteGroupError removes one code of a group.
	DeleteGroupError(ctx context.Context, groupID, code string) error
}
