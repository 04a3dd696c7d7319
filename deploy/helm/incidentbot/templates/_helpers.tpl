{{/* The release's objects are named after it; "incidentbot" alone when the release is. */}}
{{- define "incidentbot.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "incidentbot.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "incidentbot.labels" -}}
{{ include "incidentbot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The Secret with the credentials: the chart's when secret values are given, else the existing one. */}}
{{- define "incidentbot.secretName" -}}
{{- if .Values.secret -}}
{{- include "incidentbot.fullname" . -}}
{{- else -}}
{{- .Values.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "incidentbot.policyConfigMap" -}}
{{- .Values.existingPolicyConfigMap | default (printf "%s-policy" (include "incidentbot.fullname" .)) -}}
{{- end -}}
